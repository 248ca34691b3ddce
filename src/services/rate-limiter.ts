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

/** How long a limit check may take before the local fallback answers instead. */
const SHARED_LIMIT_DEADLINE_MS = 250;

/**
 * A shared limiter (Redis) that never holds a request up: limits guard the
 * service, so they must not take it down. When the shared limiter cannot
 * answer (its driver fails fast once Redis is known down, and this waits at
 * most SHARED_LIMIT_DEADLINE_MS), a bucket of this server's own at the same
 * rate answers: for the outage a per-user limit holds per server.
 * `onAvailability` hears each change (false: falling back; true: shared again),
 * not each request, so an outage is one log line and not thousands.
 */
export function failingOpen(
  limiter: RateLimiter,
  rate: BucketRate,
  onAvailability: (available: boolean, error?: unknown) => void,
  now: () => number = Date.now,
): RateLimiter {
  const local = new MemoryRateLimiter(rate, now);
  let available = true;
  const failed = (error: unknown) => {
    if (!available) return;
    available = false;
    onAvailability(false, error);
  };
  const answered = () => {
    if (available) return;
    available = true;
    onAvailability(true);
  };
  return {
    async take(key) {
      try {
        const waitMs = await withDeadline(limiter.take(key), SHARED_LIMIT_DEADLINE_MS, "the shared rate limiter");
        answered();
        return waitMs;
      } catch (error) {
        failed(error);
        return local.take(key);
      }
    },
    async reset(key) {
      await local.reset(key);
      try {
        await withDeadline(limiter.reset(key), SHARED_LIMIT_DEADLINE_MS, "the shared rate limiter");
        answered();
      } catch (error) {
        failed(error);
      }
    },
  };
}
