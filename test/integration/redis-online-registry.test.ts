import { afterEach, describe, expect, test } from "bun:test";
import { TEST_REDIS_URL } from "../helpers/deployments.ts";
import { createRedisOnlineRegistry, type RedisOnlineRegistry } from "../../src/bus/redis-online-registry.ts";
import { eventually } from "../helpers/eventually.ts";
import { deleteKeysWithPrefix } from "../helpers/redis-keys.ts";
import { startThrowawayRedis, type ThrowawayRedis } from "../helpers/throwaway-redis.ts";

const SHARED_REDIS_URL = TEST_REDIS_URL;
/** Short enough that expiry is awaited in well under a second. */
const SHORT_TTL_MS = 300;

const registries: RedisOnlineRegistry[] = [];
let keyPrefix = "";
let throwawayRedis: ThrowawayRedis | undefined;

afterEach(async () => {
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
  await deleteKeysWithPrefix(SHARED_REDIS_URL, keyPrefix);
  await throwawayRedis?.stop();
  throwawayRedis = undefined;
});

/** The registries of `count` servers sharing one Redis. */
function servers(count: number, ttlMs?: number, url = SHARED_REDIS_URL): RedisOnlineRegistry[] {
  keyPrefix = `test:online:${crypto.randomUUID()}:`;
  const made = Array.from({ length: count }, () => createRedisOnlineRegistry({ url, keyPrefix, ttlMs }));
  registries.push(...made);
  return made;
}

const online = (registry: RedisOnlineRegistry, ...userIds: number[]) => registry.onlineAmong(userIds);

describe("Redis online registry", () => {
  test("a user comes online once across two servers, and goes offline only when the last device anywhere goes", async () => {
    const [alpha, beta] = servers(2) as [RedisOnlineRegistry, RedisOnlineRegistry];

    expect(await alpha.connected(1)).toBe(true);
    expect(await beta.connected(1)).toBe(false);
    expect(await alpha.connected(1)).toBe(false);
    expect(await beta.onlineAmong([1, 2])).toEqual(new Set([1]));

    expect(await alpha.disconnected(1)).toBe(false);
    expect(await alpha.disconnected(1)).toBe(false);
    expect(await alpha.onlineAmong([1])).toEqual(new Set([1]));
    expect(await beta.disconnected(1)).toBe(true);
    expect(await alpha.onlineAmong([1])).toEqual(new Set());
    expect(await beta.onlineAmong([1])).toEqual(new Set());
  });

  test("of two servers racing for a user, exactly one sees the user come online and exactly one sees them go", async () => {
    const [alpha, beta] = servers(2) as [RedisOnlineRegistry, RedisOnlineRegistry];

    const cameOnline = await Promise.all([alpha.connected(7), beta.connected(7)]);
    expect(cameOnline.filter(Boolean)).toHaveLength(1);
    const wentOffline = await Promise.all([alpha.disconnected(7), beta.disconnected(7)]);
    expect(wentOffline.filter(Boolean)).toHaveLength(1);
    expect(await alpha.onlineAmong([7])).toEqual(new Set());
  });

  test("onlineAmong answers for many users at once, repeated ids included, and for none", async () => {
    const [alpha] = servers(1) as [RedisOnlineRegistry];
    const everyThird = Array.from({ length: 1200 }, (_, index) => index).filter((id) => id % 3 === 0);
    await Promise.all(everyThird.map((id) => alpha.connected(id)));

    const all = Array.from({ length: 1200 }, (_, index) => index);
    expect(await alpha.onlineAmong([...all, ...all])).toEqual(new Set(everyThird));
    expect(await alpha.onlineAmong([])).toEqual(new Set());
  });

  test("a killed server's users go offline after its TTL, while a live server's heartbeat keeps its users online", async () => {
    const [live, killed] = servers(2, SHORT_TTL_MS) as [RedisOnlineRegistry, RedisOnlineRegistry];
    await live.connected(1);
    await killed.connected(2);
    await killed.connected(3);
    await live.connected(3);
    expect(await online(live, 1, 2, 3)).toEqual(new Set([1, 2, 3]));

    // Stops heartbeating without counting anyone out, as a server killed with -9 would.
    await killed.close();

    // User 1 came online before the killed server's entries and outlived them: only heartbeats can explain that.
    await eventually("the killed server's users to go offline", () => online(live, 1, 2, 3), (ids) => !ids.has(2));
    expect(await online(live, 1, 2, 3)).toEqual(new Set([1, 3]));
    expect(await live.disconnected(3)).toBe(true);
    expect(await live.connected(2)).toBe(true);
  });

  test("after Redis restarts empty, the heartbeat puts every connected user back online", async () => {
    throwawayRedis = await startThrowawayRedis();
    const [alpha, beta] = servers(2, SHORT_TTL_MS, throwawayRedis.url) as [RedisOnlineRegistry, RedisOnlineRegistry];
    await alpha.connected(1);
    await beta.connected(2);

    await throwawayRedis.kill();
    await throwawayRedis.restart();

    const everyone = (ids: Set<number>) => ids.has(1) && ids.has(2);
    expect(await eventually("both users to be online again", () => online(beta, 1, 2), everyone)).toEqual(new Set([1, 2]));
    expect(await alpha.disconnected(1)).toBe(true);
  });
});
