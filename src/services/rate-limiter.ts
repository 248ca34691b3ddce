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
