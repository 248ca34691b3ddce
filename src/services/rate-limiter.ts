import { withDeadline } from "../domain/deadline.ts";
import { TokenBucket, type BucketRate } from "../domain/token-bucket.ts";

/**
 * Token buckets by key (a user, an account name, an address), all at one rate.
 * Asynchronous so that a shared driver (Redis) can stand behind it and hold
 * per-user limits across servers; this file's driver keeps them in memory.
 */
export interface RateLimiter {
  /** Takes a token from `key`'s bucket: resolves 0, or the milliseconds to wait (taking nothing). */
  take(key: string): Promise<number>;
  /** Forgets `key`'s bucket, refilling it. */
  reset(key: string): Promise<void>;
}

/** Full buckets are forgotten every this many calls, so idle keys do not pile up. */
const SWEEP_EVERY = 10_000;

/** A RateLimiter of one process: limits hold per server. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private callsSinceSweep = 0;

  constructor(
    private readonly rate: BucketRate,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string): Promise<number> {
    return this.bucket(key).take(this.now());
  }

  async reset(key: string): Promise<void> {
    this.buckets.delete(key);
  }

  /** How many buckets are held (full ones are forgotten from time to time). */
  get size(): number {
    return this.buckets.size;
  }

  private bucket(key: string): TokenBucket {
    if (++this.callsSinceSweep >= SWEEP_EVERY) this.sweep();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private sweep(): void {
    this.callsSinceSweep = 0;
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}

/** How long a limit check may take before the request goes through unchecked. */
const SHARED_LIMIT_DEADLINE_MS = 250;

/**
 * A shared limiter that lets requests through when it cannot answer quickly
 * (Redis restarting): limits guard the service, so they must not take it down.
 * `onUnavailable` hears of each time it happened (for a log line).
 */
export function failingOpen(limiter: RateLimiter, onUnavailable: (error: unknown) => void): RateLimiter {
  return {
    async take(key) {
      try {
        return await withDeadline(limiter.take(key), SHARED_LIMIT_DEADLINE_MS, "the shared rate limiter");
      } catch (error) {
        onUnavailable(error);
        return 0;
      }
    },
    reset: (key) => limiter.reset(key).catch(onUnavailable),
  };
}
