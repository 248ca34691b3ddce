import { afterEach, expect, test } from "bun:test";
import type { Bus } from "../../src/bus/bus.ts";
import { createRedisBus, type RedisBusOptions } from "../../src/bus/redis.ts";
import { busInbox } from "../helpers/bus-inbox.ts";
import { startThrowawayRedis, type ThrowawayRedis } from "../helpers/throwaway-redis.ts";

// These tests kill Redis, so each runs its own redis-server, never the shared one.
let redis: ThrowawayRedis | undefined;
const buses: Bus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  await redis?.stop();
  redis = undefined;
});

async function twoServers(connection?: RedisBusOptions["connection"]) {
  redis = await startThrowawayRedis();
  const keyPrefix = `test:restart:${crypto.randomUUID()}:`;
  const [alpha, beta] = [0, 1].map(() => createRedisBus({ url: redis!.url, keyPrefix, connection }));
  buses.push(alpha!, beta!);
  await Promise.all([alpha!.ready(), beta!.ready()]);
  return { alpha: alpha!, beta: beta!, channel: (topic: string) => keyPrefix + topic };
}

const frameTexts = (count: number, label: string) => Array.from({ length: count }, (_, index) => `${label} ${index}`);

test("after Redis restarts, servers resubscribe, report the gap, and get each new frame once", async () => {
  const { alpha, beta, channel } = await twoServers();
  const betaInbox = busInbox(beta);
  await beta.watch("user:1");
  await beta.watch("group:1");
  alpha.publish("user:1", "before");
  await betaInbox.until("before");

  const gapReported = betaInbox.nextMissedFrames();
  await redis!.kill();
  await redis!.restart();
  await gapReported;

  expect(await redis!.subscriberCount(channel("user:1"))).toBe(1);
  expect(await redis!.subscriberCount(channel("group:1"))).toBe(1);
  const after = frameTexts(50, "after");
  for (const [index, frame] of after.entries()) alpha.publish(index % 2 ? "user:1" : "group:1", frame);
  await betaInbox.until(after.at(-1)!);
  expect(betaInbox.frames.map((received) => received.frame)).toEqual(["before", ...after]);
  expect(betaInbox.missedFramesReports).toBe(1);
});

test("an outage longer than the client's own retries still ends in resubscription", async () => {
  const { alpha, beta, channel } = await twoServers({ maxRetries: 2 });
  const betaInbox = busInbox(beta);
  await beta.watch("user:1");

  const gapReported = betaInbox.nextMissedFrames(15_000);
  await redis!.kill();
  // The outage itself is the fault under test: it must outlast Bun's retries
  // (well under a second with two), after which the client stops on its own.
  await Bun.sleep(1500);
  alpha.publish("user:1", "sent during the outage"); // may be lost (at most once), must not throw
  await redis!.restart();
  await gapReported;

  expect(await redis!.subscriberCount(channel("user:1"))).toBe(1);
  alpha.publish("user:1", "after");
  await betaInbox.until("after");
  expect(betaInbox.frames.filter((received) => received.frame === "after")).toHaveLength(1);
});
