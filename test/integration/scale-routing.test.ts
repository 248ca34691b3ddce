import { SQL } from "bun";
import { expect, test } from "bun:test";
import { userTopic } from "../../src/domain/delivery.ts";
import { openDrivers } from "../../src/server/drivers.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { TEST_POSTGRES_URL, TEST_REDIS_URL } from "../helpers/deployments.ts";
import { eventually } from "../helpers/eventually.ts";
import { loginUser, registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { TestSocket } from "../helpers/socket.ts";
import { subscriberCount } from "../helpers/throwaway-redis.ts";

const defer = cleanupAfterEach();

test("Redis carries a user's messages only to the servers where that user has a device", async () => {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const schema = `chat_test_${id}`;
  const prefix = `chat-test-${id}:`;
  defer(async () => {
    const admin = new SQL(TEST_POSTGRES_URL);
    await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
    await admin.close();
  });
  const servers: TestServer[] = [];
  for (let i = 0; i < 3; i++) {
    const server = await startTestServer({
      config: { databaseUrl: TEST_POSTGRES_URL, databaseSchema: schema, redisUrl: TEST_REDIS_URL, redisPrefix: prefix },
      openDrivers,
    });
    defer(() => server.cleanup());
    servers.push(server);
  }
  const [a, b] = servers as [TestServer, TestServer, TestServer];
  const bob = await registerUser(a, "bob");
  const store = await openPostgresStore(TEST_POSTGRES_URL, { schema });
  defer(() => store.close());
  const channel = `${prefix}${userTopic((await store.userByName("bob"))!.id)}`;
  const subscribers = () => subscriberCount(TEST_REDIS_URL, channel);

  expect(await subscribers()).toBe(0);
  // Two devices of bob, both on server b: one subscription, by server b only.
  const phone = await TestSocket.connect(b.wsUrl, bob.token);
  const laptop = await TestSocket.connect(b.wsUrl, (await loginUser(a, "bob")).token);
  expect(await subscribers()).toBe(1);
  await phone.close();
  expect(await subscribers()).toBe(1);
  await laptop.close();
  // The last device gone, server b drops the channel; the unsubscribe reaches Redis a moment later.
  await eventually("Redis to count no subscriber", subscribers, (count) => count === 0);
});
