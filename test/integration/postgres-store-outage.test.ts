/**
 * PostgreSQL going away and coming back, on a cluster of the test's own:
 * calls fail (the service turns that into a retryable error) instead of
 * hanging, nothing is reported stored that was not, and the same store
 * works again by itself once PostgreSQL is back.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { AppendResult, EventPolicy, NewEvent } from "../../src/domain/events.ts";
import type { User } from "../../src/domain/types.ts";
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

const POLICY: EventPolicy = { editWindowMs: 15 * 60_000, deleteWindowMs: 48 * 3_600_000 };
const message = (clientId: string): NewEvent => ({ kind: "message", conv, senderId: alice.id, clientId, text: `text of ${clientId}`, sentAt: 10_000 });
const reply = (clientId: string, replyTo: string): NewEvent => ({ ...message(clientId), kind: "message", text: "a reply", replyTo });
const append = (batch: NewEvent[]) => store.appendEvents(batch, POLICY);
const stored = (seq: number, duplicate = false): AppendResult => ({ ok: true, seq, sentAt: 10_000, duplicate, expiresAt: null, quote: null });
const eventsOf = () => store.eventsAfter(conv, 0, 10_000, alice.id);

test("while PostgreSQL is down calls reject, and the same store works again once it is back", async () => {
  expect(await append([message("a1")])).toEqual([stored(1)]);

  await postgres.stop();
  await expect(append([message("a2")])).rejects.toThrow();
  await expect(append([{ kind: "reaction", conv, senderId: alice.id, clientId: "r1", target: "a1", emoji: "👍", sentAt: 10_000 }])).rejects.toThrow();
  await expect(store.userByName("alice")).rejects.toThrow();
  await expect(eventsOf()).rejects.toThrow();

  await postgres.start();
  expect(await append([message("a2")])).toEqual([stored(2)]);
  expect(await append([message("a1")])).toEqual([stored(1, true)]);
  expect((await eventsOf()).map((m) => m.clientId)).toEqual(["a1", "a2"]);
});

test("a crash during a burst: what was reported stored is stored, and retries of the rest store each message once", async () => {
  const acked = new Map<string, AppendResult>();
  const record = (batch: NewEvent[], results: AppendResult[]) => results.forEach((r, i) => acked.set(batch[i]!.clientId, r));
  const unacked: NewEvent[][] = [];
  const someAcked = Promise.withResolvers<void>();
  // Clients each sending batch after batch, until the store fails them.
  const client = async (name: string) => {
    for (let b = 0; ; b++) {
      // every other batch ends with a reply, so it is stored event by event rather than in one statement
      const last = b % 2 ? reply(`${name}-${b}-2`, `${name}-${b}-0`) : message(`${name}-${b}-2`);
      const batch = [message(`${name}-${b}-0`), message(`${name}-${b}-1`), last];
      try {
        record(batch, await append(batch));
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
  for (const batch of unacked) record(batch, await append(batch));

  const events = await eventsOf();
  expect(events.map((m) => m.seq)).toEqual(Array.from({ length: acked.size }, (_, i) => i + 1));
  for (const m of events) expect(acked.get(m.clientId)).toMatchObject({ ok: true, seq: m.seq });
  const storedIds = new Set(events.map((m) => m.clientId));
  for (const clientId of ackedBeforeCrash.keys()) expect(storedIds.has(clientId)).toBe(true);
});
