import { expect, test } from "bun:test";
import { userTopic } from "../../src/domain/delivery.ts";
import { postgresRedis, TEST_REDIS_URL } from "../helpers/deployments.ts";
import { eventually } from "../helpers/eventually.ts";
import { scrapeMetrics } from "../helpers/metrics.ts";
import { loginUser, registerUser, type TestServer } from "../helpers/server.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { TestSocket } from "../helpers/socket.ts";
import { subscriberCount } from "../helpers/throwaway-redis.ts";

const defer = cleanupAfterEach();

test("Redis carries a user's messages only to the servers where that user has a device", async () => {
  const cluster = await postgresRedis({ servers: 3 }).start();
  defer(() => cluster.cleanup());
  const [a, b] = cluster.servers as [TestServer, TestServer, TestServer];
  const bob = await registerUser(a, "bob");
  const store = await cluster.openStore();
  defer(() => store.close());
  const channel = `${cluster.redisPrefix}${userTopic((await store.userByName("bob"))!.id)}`;
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

test("a message delivered through Redis counts on the server that hands it to the device", async () => {
  const cluster = await postgresRedis({ servers: 2 }).start();
  defer(() => cluster.cleanup());
  const [a, b] = cluster.servers as [TestServer, TestServer];
  const [alice, bob] = await Promise.all([registerUser(a, "alice"), registerUser(a, "bob")]);
  const aliceSocket = await TestSocket.connect(a.wsUrl, alice.token);
  const bobSocket = await TestSocket.connect(b.wsUrl, bob.token);
  defer(async () => {
    await Promise.all([aliceSocket.close(), bobSocket.close()]);
  });

  await aliceSocket.sendMessage("bob", "across");
  expect((await bobSocket.nextMessage()).text).toBe("across");
  // Stored on a, where alice's only device sent it; handed to bob's device on b.
  expect((await scrapeMetrics(a)).get("chat_messages_in_total")).toBe(1);
  expect((await scrapeMetrics(a)).get("chat_messages_out_total")).toBe(0);
  expect((await scrapeMetrics(b)).get("chat_messages_out_total")).toBe(1);
});
