/**
 * Order through a failing store: once one of a connection's messages of a
 * conversation is refused, nothing later of that conversation from that
 * connection is stored before it comes again, even what was already in flight.
 */
import { expect, test } from "bun:test";
import type { NewEvent } from "../../src/domain/events.ts";
import type { ServerFrame } from "../../src/protocol/index.ts";
import { createLogger } from "../../src/server/log.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import type { Store } from "../../src/store/store.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { scrapeMetrics } from "../helpers/metrics.ts";
import { SdkDevice } from "../helpers/sdk-device.ts";
import { registerUser, startTestServer, tempDir } from "../helpers/server.ts";
import { startThrowawayPostgres } from "../helpers/throwaway-postgres.ts";
import { TestSocket } from "../helpers/socket.ts";

const defer = cleanupAfterEach();

type Answer = Extract<ServerFrame, { type: "sent" | "error" }>;

/** The real store, except that appendEvents of a batch `fails` picks waits for `release` and then throws, as on a full disk. */
function failingStore(store: Store, fails: (batch: NewEvent[]) => Promise<void> | undefined): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === "appendEvents") {
        return async (batch: NewEvent[], policy: Parameters<Store["appendEvents"]>[1]) => {
          const failure = fails(batch);
          if (failure) {
            await failure;
            throw new Error("ENOSPC: no space left on device");
          }
          return target.appendEvents(batch, policy);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

test("a write that fails with later messages of the conversation in flight: none of them is stored before it, later ones wait for its resend", async () => {
  const reached = Promise.withResolvers<void>();
  const probeReached = Promise.withResolvers<void>();
  let failFirst = true;
  const server = await startTestServer({
    // The failed writes are logged as errors, as they should be; not here.
    log: createLogger({ format: "json", level: "error", write: () => {} }),
    store: async (dir) =>
      failingStore(await openSqliteStore(dir), (batch) => {
        if (batch.some((event) => event.clientId === "probe")) probeReached.resolve();
        if (!failFirst || !batch.some((event) => event.clientId === "m1")) return undefined;
        failFirst = false;
        reached.resolve();
        // m1's batch fails only once the probe, sent after m2…m10, has reached the store.
        return probeReached.promise;
      }),
  });
  defer(() => server.cleanup());
  const alice = await registerUser(server, "alice");
  const bob = await registerUser(server, "bob");
  await registerUser(server, "carol");
  const socket = await TestSocket.connect(server.wsUrl, alice.token);
  defer(() => socket.close());
  const answer = (id: string) => socket.next<Answer>((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === id);
  const send = (id: string) => socket.send({ type: "send", id, to: "bob", text: id });
  const ids = Array.from({ length: 10 }, (_, i) => `m${i + 1}`);

  send("m1");
  await reached.promise;
  for (const id of ids.slice(1)) send(id);
  // Another conversation, admitted after m2…m10: when it reaches the store, they have been queued.
  socket.send({ type: "send", id: "probe", to: "carol", text: "probe" });
  const answers = await Promise.all(ids.map(answer));
  expect((await answer("probe")).type).toBe("sent");
  expect(answers.map((frame) => (frame.type === "error" ? frame.code : "sent"))).toEqual(ids.map(() => "store_unavailable"));

  // A new message of the conversation is refused too, until m1 comes again.
  send("m11");
  const refused = await answer("m11");
  expect(refused.type === "error" && refused.code).toBe("store_unavailable");
  expect(refused.type === "error" && refused.message).toContain("'m1'");

  // The sender resends in order: everything is stored, once, in the order sent.
  const all = [...ids, "m11"];
  for (const id of all) send(id);
  const resent = await Promise.all(all.map(answer));
  expect(resent.map((frame) => frame.type)).toEqual(all.map(() => "sent"));
  expect(resent.map((frame) => (frame.type === "sent" ? frame.seq : 0))).toEqual(all.map((_, i) => i + 1));

  const reader = await TestSocket.connect(server.wsUrl, bob.token);
  defer(() => reader.close());
  expect(reader.pending().flatMap((frame) => (frame.type === "message" ? [frame.text] : []))).toEqual(all);
});

/** Alice connected to a server that limits each user to one message a second after a burst of `burst`, writing to bob. */
async function aliceLimited(burst: number) {
  const server = await startTestServer({ config: { userMessageRate: 1, userMessageBurst: burst } });
  defer(() => server.cleanup());
  const alice = await registerUser(server, "alice");
  await registerUser(server, "bob");
  const socket = await TestSocket.connect(server.wsUrl, alice.token);
  defer(() => socket.close());
  return {
    send: (id: string) => socket.send({ type: "send", id, to: "bob", text: id }),
    answer: (id: string) => socket.next<Answer>((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === id),
  };
}

test("a message refused for rate holds the later ones of the connection until it comes again", async () => {
  const { send, answer } = await aliceLimited(2);
  const ids = ["r1", "r2", "r3", "r4"];
  for (const id of ids) send(id);
  const answers = await Promise.all(ids.map(answer));
  expect(answers.map((frame) => (frame.type === "error" ? frame.code : "sent"))).toEqual(["sent", "sent", "rate_limited", "rate_limited"]);
  // r4 was refused because r3 was, not for its own rate: it names r3 and spent no token.
  expect(answers[3]!.type === "error" && answers[3]!.message).toContain("'r3'");
});

test("a copy of a message already queued, refused, holds nothing: the client has its answer and will not send that id again", async () => {
  const { send, answer } = await aliceLimited(1);
  // m1 and, at once, a copy of it (a client resending what it has no answer for yet): the copy finds no token left.
  send("m1");
  send("m1");
  // The copy's refusal comes first: the original is answered once it is stored.
  const refusal = await answer("m1");
  expect(refusal.type === "error" && refusal.code).toBe("rate_limited");
  expect((await answer("m1")).type).toBe("sent");
  await Bun.sleep(refusal.type === "error" ? (refusal.retryAfterMs ?? 1000) : 0);
  // The next message is not held for the refused copy.
  send("m2");
  expect((await answer("m2")).type).toBe("sent");
});

test("PostgreSQL stopped and started under an SDK sender: every message stored once, in the order sent", async () => {
  const postgres = await startThrowawayPostgres();
  defer(() => postgres.destroy());
  const server = await startTestServer({
    log: createLogger({ format: "json", level: "error", write: () => {} }),
    store: () => openPostgresStore(postgres.url, { schema: "chat_order" }),
  });
  defer(() => server.cleanup());
  const alice = await registerUser(server, "alice");
  const bob = await registerUser(server, "bob");
  const sender = await new SdkDevice(server, tempDir("chat-order-"), "alice", alice.token).ready();
  defer(() => sender.stop());

  const texts = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`);
  for (const text of texts.slice(0, 30)) sender.connection.send("bob", text);
  await sender.until(() => sender.stored.length >= 5, "the first messages stored");
  // PostgreSQL goes away with messages in flight, more are typed while it is away, and it comes back.
  await postgres.stop();
  for (const text of texts.slice(30, 80)) sender.connection.send("bob", text);
  await postgres.start();
  for (const text of texts.slice(80)) sender.connection.send("bob", text);
  expect(await sender.connection.waitForOutbox(30_000)).toBe(true);
  expect(sender.rejected).toEqual([]);

  const reader = await TestSocket.connect(server.wsUrl, bob.token);
  defer(() => reader.close());
  const stored = reader.pending().flatMap((frame) => (frame.type === "message" ? [frame.text] : []));
  expect(inversions(stored, texts)).toBe(0);
  expect(stored).toEqual(texts);
}, 60_000);

/** How many adjacent pairs of `stored` are in the opposite order of `sent`. */
function inversions(stored: string[], sent: string[]): number {
  const place = new Map(sent.map((text, index) => [text, index]));
  let count = 0;
  for (let i = 1; i < stored.length; i++) if (place.get(stored[i - 1]!)! > place.get(stored[i]!)!) count++;
  return count;
}

test("a burst beyond the connection's frame limit is paced by the SDK to the rate announced in ready: nothing refused, all in order", async () => {
  const server = await startTestServer({ config: { connectionFrameRate: 20, connectionFrameBurst: 10, userMessageRate: 0 } });
  defer(() => server.cleanup());
  const alice = await registerUser(server, "alice");
  const bob = await registerUser(server, "bob");
  const sender = await new SdkDevice(server, tempDir("chat-pace-"), "alice", alice.token).ready();
  defer(() => sender.stop());
  const texts = Array.from({ length: 30 }, (_, i) => `paced ${i + 1}`);
  for (const text of texts) sender.connection.send("bob", text);
  expect(await sender.connection.waitForOutbox(10_000)).toBe(true);

  const metrics = await scrapeMetrics(server);
  expect(metrics.get('chat_errors_total{code="rate_limited"}') ?? 0).toBe(0);
  const reader = await TestSocket.connect(server.wsUrl, bob.token);
  defer(() => reader.close());
  expect(reader.pending().flatMap((frame) => (frame.type === "message" ? [frame.text] : []))).toEqual(texts);
});
