import { RedisClient, type RedisOptions } from "bun";
import { TokenBucket, type BucketRate } from "../domain/token-bucket.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";
import { RedisCircuit } from "./redis-circuit.ts";
import { keepConnected } from "./redis-connection.ts";
import { LUA_NOW_MS, LuaScript } from "./redis-script.ts";

export interface RedisRateLimiterOptions {
  url: string;
  /** Prepended to every bucket's key: give each limiter its own, so buckets of different limits never share a key. */
  keyPrefix: string;
  rate: BucketRate;
  /** Passed to Bun's client (TLS, timeouts, retry count). */
  connection?: RedisOptions;
}

export interface RedisRateLimiter extends RateLimiter {
  close(): Promise<void>;
}

/**
 * The rule of TokenBucket, run inside Redis so that it is atomic across servers.
 * KEYS[1] is the bucket, a hash of its tokens and when they were counted;
 * ARGV is the capacity and the tokens per second. Returns 0 having taken a
 * token, or the milliseconds until one is there, having taken nothing. A
 * bucket's key expires when it would be full again, since a full bucket is
 * the same as none.
 */
const TAKE = new LuaScript(`${LUA_NOW_MS}
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
if tokens < 1 then return math.ceil((1 - tokens) / per_ms) end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_ms))
return 0
`);

/**
 * Token buckets in Redis, shared by every server using it, so a per-user
 * limit holds however the user's devices are spread over servers. Time is
 * Redis's clock, so servers' clocks need not agree. When Redis cannot be
 * reached, take() and reset() reject: at once while it is known down (a
 * circuit breaker), never after waiting for it to come back.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  // Refuses a rate no bucket can have, with the same error as the memory driver.
  new TokenBucket(options.rate, 0);
  const { capacity, perSecond } = options.rate;
  const client = new RedisClient(options.url, options.connection);
  let closing = false;
  keepConnected(client, () => closing);
  const circuit = new RedisCircuit(client, "the shared rate limiter");

  const keyOf = (key: string) => options.keyPrefix + key;

  return {
    async take(key) {
      return (await circuit.call(() => TAKE.run(client, [keyOf(key)], [capacity, perSecond]))) as number;
    },
    async reset(key) {
      await circuit.call(() => client.del(keyOf(key)));
    },
    async close() {
      closing = true;
      circuit.close();
      client.close();
    },
  } satisfies RedisRateLimiter;
}
