/**
 * Several servers on PostgreSQL and Redis when a part fails: a server is
 * killed, Redis restarts, PostgreSQL goes away for a while. Each runs against
 * real services; the Redis and PostgreSQL that fail are throwaway instances of
 * the test's own, so the shared ones stay up for everything else.
 */
import { describe, expect, test } from "bun:test";
import type { ServerFrame } from "../../src/protocol/index.ts";
import { isolatedServerEnvironment, postgresRedis } from "../helpers/deployments.ts";
import { registerUser, type TestServer } from "../helpers/server.ts";
import { startServerProcess } from "../helpers/server-process.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { TestSocket } from "../helpers/socket.ts";
import { startThrowawayPostgres } from "../helpers/throwaway-postgres.ts";
import { startThrowawayRedis } from "../helpers/throwaway-redis.ts";

const defer = cleanupAfterEach();

async function socket(wsUrl: string, token: string, cursors?: Record<string, number>) {
  const connected = await TestSocket.connect(wsUrl, token, cursors);
  defer(() => connected.close());
  return connected;
}

type Message = Extract<ServerFrame, { type: "message" }>;

/** What a client shows: each (conversation, seq) once, whatever arrived twice. */
function shown(frames: ServerFrame[]): Message[] {
  const seen = new Set<string>();
  return frames.filter((frame): frame is Message => {
    if (frame.type !== "message" || seen.has(`${frame.conv}:${frame.seq}`)) return false;
    seen.add(`${frame.conv}:${frame.seq}`);
    return true;
  });
}

describe("scale-out faults", () => {
  test("a server is killed: its users reconnect to another and lose nothing", async () => {
    const { env: shared, drop } = isolatedServerEnvironment();
    defer(drop);
    const env = { ...shared, CHAT_USER_MESSAGE_RATE: "0" };
    const doomed = await startServerProcess([], env);
    defer(() => doomed.stop("SIGKILL"));
    const survivor = await startServerProcess([], env);
    defer(() => survivor.stop("SIGKILL"));
    const alice = await registerUser(survivor, "alice");
    const bob = await registerUser(survivor, "bob");

    const aliceSocket = await socket(survivor.wsUrl, alice.token);
    const bobOnDoomed = await socket(doomed.wsUrl, bob.token);
    for (let i = 1; i <= 10; i++) await aliceSocket.sendMessage("bob", `m${i}`);
    const firstFive: Message[] = [];
    for (let i = 0; i < 5; i++) firstFive.push(await bobOnDoomed.nextMessage());
    expect(firstFive.map((m) => m.text)).toEqual(["m1", "m2", "m3", "m4", "m5"]);

    expect(await doomed.stop("SIGKILL")).not.toBe(0);
    await bobOnDoomed.closed();
    for (let i = 11; i <= 15; i++) await aliceSocket.sendMessage("bob", `m${i}`);

    // bob's client comes back through the other server with the cursor of what it processed.
    const last = firstFive.at(-1)!;
    const bobOnSurvivor = await socket(survivor.wsUrl, bob.token, { [last.conv]: last.seq });
    expect(shown(bobOnSurvivor.acknowledgeMessages()).map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 6}`));
    await aliceSocket.sendMessage("bob", "live again");
    expect(await bobOnSurvivor.nextMessage()).toMatchObject({ text: "live again" });
  });

  test("Redis restarts: servers subscribe again and what was sent meanwhile arrives, delayed but not lost", async () => {
    const redis = await startThrowawayRedis();
    defer(() => redis.stop());
    const cluster = await postgresRedis({ servers: 2, redisUrl: redis.url }).start();
    defer(() => cluster.cleanup());
    const [serverA, serverB] = cluster.servers as [TestServer, TestServer];
    const alice = await registerUser(serverA, "alice");
    const bob = await registerUser(serverA, "bob");
    const aliceSocket = await socket(serverA.wsUrl, alice.token);
    const bobSocket = await socket(serverB.wsUrl, bob.token);
    await aliceSocket.sendMessage("bob", "before");
    const before = await bobSocket.nextMessage();
    expect(before).toMatchObject({ text: "before" });

    await redis.kill();
    const during = await aliceSocket.sendMessage("bob", "while Redis was down");
    await redis.restart();

    const arrived = await bobSocket.next((frame) => frame.type === "message" && frame.seq === during.seq, 15_000);
    expect(arrived).toMatchObject({ text: "while Redis was down", from: "alice" });
    await aliceSocket.sendMessage("bob", "after");
    const after = await bobSocket.next((frame) => frame.type === "message" && frame.text === "after", 15_000);
    // What bob's client shows after "before": each message once, in order (a replayed repeat is dropped by seq).
    const fresh = shown([arrived, ...bobSocket.pending(), after]).filter((m) => m.seq > before.seq);
    expect(fresh.map((m) => m.text)).toEqual(["while Redis was down", "after"]);
  }, 60_000);

  test("PostgreSQL is unavailable for a while: sends get a retryable error, nothing unstored is acked, service resumes", async () => {
    const postgres = await startThrowawayPostgres();
    defer(() => postgres.destroy());
    const server = await postgresRedis({ servers: 1, postgresUrl: postgres.url }).start();
    defer(() => server.cleanup());
    const alice = await registerUser(server, "alice");
    const bob = await registerUser(server, "bob");
    const [aliceSocket, bobSocket] = [await socket(server.wsUrl, alice.token), await socket(server.wsUrl, bob.token)];
    await aliceSocket.sendMessage("bob", "before");
    expect(await bobSocket.nextMessage()).toMatchObject({ text: "before" });

    await postgres.stop();
    aliceSocket.send({ type: "send", id: "during-outage", to: "bob", text: "stored later" });
    const refused = await aliceSocket.next((frame) => frame.type === "error" && frame.id === "during-outage", 20_000);
    expect(refused).toMatchObject({ code: "store_unavailable" });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    await postgres.start();
    // The client's outbox retries with the same id; the server stores it once and delivers it.
    const sent = await aliceSocket.sendMessage("bob", "stored later", "during-outage");
    expect(await bobSocket.nextMessage()).toMatchObject({ seq: sent.seq, text: "stored later" });
    expect(bobSocket.pending().filter((frame) => frame.type === "message")).toEqual([]);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  }, 60_000);
});
