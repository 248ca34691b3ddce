import { RedisClient } from "bun";
import { afterEach, describe, expect, test } from "bun:test";
import { TEST_REDIS_URL } from "../helpers/deployments.ts";
import type { BucketRate } from "../../src/domain/token-bucket.ts";
import { createRedisRateLimiter, type RedisRateLimiter } from "../../src/bus/redis-rate-limiter.ts";
import { eventually } from "../helpers/eventually.ts";
import { deleteKeysWithPrefix } from "../helpers/redis-keys.ts";

const SHARED_REDIS_URL = TEST_REDIS_URL;
/** So slow that no token comes back during a test. */
const NO_REFILL = 0.001;

const limiters: RedisRateLimiter[] = [];
let keyPrefix = "";

afterEach(async () => {
  await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
  await deleteKeysWithPrefix(SHARED_REDIS_URL, keyPrefix);
});

/** The limiters of `count` servers sharing one Redis, all at `rate`. */
function servers(count: number, rate: BucketRate): RedisRateLimiter[] {
  keyPrefix = `test:rate:${crypto.randomUUID()}:`;
  const made = Array.from({ length: count }, () => createRedisRateLimiter({ url: SHARED_REDIS_URL, keyPrefix, rate }));
  limiters.push(...made);
  return made;
}

describe("Redis rate limiter", () => {
  test("two servers draw on one bucket per key, so a per-user limit holds across servers", async () => {
    const [alpha, beta] = servers(2, { capacity: 3, perSecond: NO_REFILL }) as [RedisRateLimiter, RedisRateLimiter];

    expect(await alpha.take("user:1")).toBe(0);
    expect(await beta.take("user:1")).toBe(0);
    expect(await alpha.take("user:1")).toBe(0);
    expect(await beta.take("user:1")).toBeGreaterThan(0);
    expect(await alpha.take("user:1")).toBeGreaterThan(0);
    // Another key has a bucket of its own.
    expect(await beta.take("user:2")).toBe(0);
  });

  test("a refused take names the wait, and after it a token is there again", async () => {
    const [alpha, beta] = servers(2, { capacity: 1, perSecond: 20 }) as [RedisRateLimiter, RedisRateLimiter];

    expect(await alpha.take("user:1")).toBe(0);
    const waitMs = await beta.take("user:1");
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(50);

    // The wait is the limiter's own promise of when to come back, not a guess.
    await Bun.sleep(waitMs);
    expect(await beta.take("user:1")).toBe(0);
    expect(await alpha.take("user:1")).toBeGreaterThan(0);
  });

  test("a refused take takes nothing: the wait shrinks as time passes, it does not grow", async () => {
    const [alpha] = servers(1, { capacity: 1, perSecond: 1 }) as [RedisRateLimiter];

    expect(await alpha.take("user:1")).toBe(0);
    const first = await alpha.take("user:1");
    const second = await alpha.take("user:1");
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThanOrEqual(first);
  });

  test("reset on one server refills the bucket for all", async () => {
    const [alpha, beta] = servers(2, { capacity: 1, perSecond: NO_REFILL }) as [RedisRateLimiter, RedisRateLimiter];

    expect(await alpha.take("name:ada")).toBe(0);
    expect(await alpha.take("name:ada")).toBeGreaterThan(0);
    await beta.reset("name:ada");
    expect(await alpha.take("name:ada")).toBe(0);
  });

  test("a bucket left alone vanishes from Redis once it would be full again", async () => {
    const [alpha] = servers(1, { capacity: 2, perSecond: 20 }) as [RedisRateLimiter];
    const redis = new RedisClient(SHARED_REDIS_URL);
    try {
      await alpha.take("user:1");
      expect(await redis.exists(`${keyPrefix}user:1`)).toBe(true);
      await eventually("the idle bucket to vanish", () => redis.exists(`${keyPrefix}user:1`), (exists) => !exists);
    } finally {
      redis.close();
    }
  });

  test("a rate no bucket can have is refused at once, naming it", () => {
    expect(() => createRedisRateLimiter({ url: SHARED_REDIS_URL, keyPrefix: "unused:", rate: { capacity: 0, perSecond: 1 } })).toThrow(
      /capacity of at least 1/,
    );
  });
});
