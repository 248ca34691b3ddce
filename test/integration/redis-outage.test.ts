/**
 * Two servers while their Redis is down: every Redis call on a request's path
 * must fail fast (a circuit breaker) so sends, logins and `hello` answer at
 * once, not when Redis comes back. The Redis is a throwaway of the test's own;
 * the default limits stay on, so the shared rate limiter, the login throttle,
 * the online registry and the bus are all on the path.
 */
import { expect, test } from "bun:test";
import { postgresRedis } from "../helpers/deployments.ts";
import { loginUser, registerUser, type TestServer } from "../helpers/server.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { TestSocket } from "../helpers/socket.ts";
import { startThrowawayRedis, type ThrowawayRedis } from "../helpers/throwaway-redis.ts";

const defer = cleanupAfterEach();

/**
 * Far under the outage (it lasts until the test restarts Redis), far over a healthy answer: before the
 * fix 20 sends took 5 s, and a login or a `hello` waited for Redis to return, that is for ever here.
 */
const PROMPTLY_MS = 3000;

async function twoServersWithUsers(): Promise<{ redis: ThrowawayRedis; serverA: TestServer; serverB: TestServer; alice: TestSocket }> {
  const redis = await startThrowawayRedis();
  defer(() => redis.stop());
  const cluster = await postgresRedis({ servers: 2, redisUrl: redis.url }).start({ userMessageBurst: 100 });
  defer(() => cluster.cleanup());
  const [serverA, serverB] = cluster.servers as [TestServer, TestServer];
  const alice = await registerUser(serverA, "alice");
  await registerUser(serverA, "bob");
  const aliceSocket = await TestSocket.connect(serverA.wsUrl, alice.token);
  defer(() => aliceSocket.close());
  await aliceSocket.sendMessage("bob", "before");
  return { redis, serverA, serverB, alice: aliceSocket };
}

test("while Redis is down, 20 sends pipelined on one connection are all acknowledged promptly", async () => {
  const { redis, alice } = await twoServersWithUsers();
  await redis.kill();
  for (let i = 1; i <= 20; i++) alice.send({ type: "send", id: `p${i}`, to: "bob", text: `during ${i}` });
  // Each used to wait out the shared limiter's deadline in turn.
  const acks = await withinMs(
    Promise.all(Array.from({ length: 20 }, (_, i) => alice.next((frame) => "id" in frame && frame.id === `p${i + 1}`, PROMPTLY_MS))),
    PROMPTLY_MS,
    "20 pipelined sends",
  );
  expect(acks.map((frame) => frame.type)).toEqual(Array(20).fill("sent"));
}, 30_000);

test("while Redis is down, a login with the right password succeeds promptly", async () => {
  const { redis, serverB } = await twoServersWithUsers();
  await redis.kill();
  // It used to hang until Redis returned: the throttle's reset of the name's failures waited for it.
  const session = await withinMs(loginUser(serverB, "bob"), PROMPTLY_MS, "login");
  expect(session.user).toBe("bob");
}, 30_000);

test("while Redis is down, a device failing over gets `ready` promptly and what was sent meanwhile; delivery resumes after", async () => {
  const { redis, serverA, serverB, alice } = await twoServersWithUsers();
  const bob = await loginUser(serverA, "bob");
  await redis.kill();
  const during = await alice.sendMessage("bob", "during the outage");

  // `ready` used to wait for the SUBSCRIBE to reach Redis (and the online registry's deadline).
  const bobSocket = await withinMs(TestSocket.open(serverB.wsUrl, bob.token), PROMPTLY_MS, "upgrade");
  defer(() => bobSocket.close());
  expect(await withinMs(bobSocket.hello(), PROMPTLY_MS, "hello")).toMatchObject({ type: "ready", user: "bob" });
  expect(bobSocket.pending().flatMap((frame) => (frame.type === "message" ? [frame.seq] : []))).toContain(during.seq);

  // Once Redis is back, messages from the other server arrive live again.
  await redis.restart();
  const after = await alice.sendMessage("bob", "after");
  expect(await bobSocket.next((frame) => frame.type === "message" && frame.seq === after.seq, 15_000)).toMatchObject({ text: "after" });
}, 60_000);

async function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
