/**
 * PostgreSQL going away and coming back, on a cluster of the test's own:
 * calls fail (the service turns that into a retryable error) instead of
 * hanging, nothing is reported stored that was not, and the same store
 * works again by itself once PostgreSQL is back.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { AppendResult, NewMessage, User } from "../../src/domain/types.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../helpers/throwaway-postgres.ts";

let postgres: ThrowawayPostgres;
let store: Store;
let alice: User;
let conv: number;

beforeEach(async () => {
  postgres = await startThrowawayPostgres();
  store = await openPostgresStore(postgres.url, { schema: "chat_outage" });
  alice = (await store.createUser("alice", "hash", 1_000))!;
  const bob = (await store.createUser("bob", "hash", 1_000))!;
  conv = await store.directConversation(alice.id, bob.id, 2_000);
});

afterEach(async () => {
  await store.close();
  await postgres.destroy();
});

const message = (clientId: string): NewMessage => ({ conv, senderId: alice.id, clientId, text: `text of ${clientId}`, sentAt: 10_000 });

test("while PostgreSQL is down calls reject, and the same store works again once it is back", async () => {
  expect(await store.appendMessages([message("a1")])).toEqual([{ ok: true, seq: 1, sentAt: 10_000, duplicate: false }]);

  await postgres.stop();
  await expect(store.appendMessages([message("a2")])).rejects.toThrow();
  await expect(store.userByName("alice")).rejects.toThrow();
  await expect(store.messagesAfter(conv, 0, 10)).rejects.toThrow();

  await postgres.start();
  expect(await store.appendMessages([message("a2")])).toEqual([{ ok: true, seq: 2, sentAt: 10_000, duplicate: false }]);
  expect(await store.appendMessages([message("a1")])).toEqual([{ ok: true, seq: 1, sentAt: 10_000, duplicate: true }]);
  expect((await store.messagesAfter(conv, 0, 10)).map((m) => m.clientId)).toEqual(["a1", "a2"]);
});

test("a crash during a burst: what was reported stored is stored, and retries of the rest store each message once", async () => {
  const acked = new Map<string, AppendResult>();
  const record = (batch: NewMessage[], results: AppendResult[]) => results.forEach((r, i) => acked.set(batch[i]!.clientId, r));
  const unacked: NewMessage[][] = [];
  const someAcked = Promise.withResolvers<void>();
  // Clients each sending batch after batch, until the store fails them.
  const client = async (name: string) => {
    for (let b = 0; ; b++) {
      const batch = [message(`${name}-${b}-0`), message(`${name}-${b}-1`), message(`${name}-${b}-2`)];
      try {
        record(batch, await store.appendMessages(batch));
        if (acked.size >= 30) someAcked.resolve();
      } catch {
        unacked.push(batch);
        return;
      }
    }
  };
  const clients = ["c1", "c2", "c3", "c4"].map(client);
  await someAcked.promise;
  await postgres.crash();
  await Promise.all(clients);
  const ackedBeforeCrash = new Map(acked);

  await postgres.start();
  // What a client's outbox does: resend, with the same ids, whatever was not acknowledged.
  for (const batch of unacked) record(batch, await store.appendMessages(batch));

  const stored = await store.messagesAfter(conv, 0, 10_000);
  expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: acked.size }, (_, i) => i + 1));
  for (const m of stored) expect(acked.get(m.clientId)).toMatchObject({ ok: true, seq: m.seq });
  const storedIds = new Set(stored.map((m) => m.clientId));
  for (const clientId of ackedBeforeCrash.keys()) expect(storedIds.has(clientId)).toBe(true);
});
