/** How much a bucket holds and how fast it refills: a burst of `capacity` actions, then `perSecond` on average. */
export interface BucketRate {
  capacity: number;
  perSecond: number;
}

/**
 * A token bucket: each action takes a token, tokens come back at a steady
 * rate up to the capacity. Time is passed in, so the rule is pure and tests
 * need no clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: BucketRate,
    now: number,
  ) {
    if (!(rate.capacity >= 1 && rate.perSecond > 0)) {
      throw new RangeError(`A token bucket needs a capacity of at least 1 and a positive rate, not ${JSON.stringify(rate)}.`);
    }
    this.tokens = rate.capacity;
    this.updatedAt = now;
  }

  /** Milliseconds until a token is there (0: now), taking nothing. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000);
  }

  /** Takes a token and answers 0, or takes nothing and answers the milliseconds to wait. */
  take(now: number): number {
    const wait = this.waitMs(now);
    if (wait === 0) this.tokens -= 1;
    return wait;
  }

  /** A full bucket is the same as a fresh one, so its owner can forget it. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.rate.capacity;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.rate.capacity, this.tokens + (elapsed / 1000) * this.rate.perSecond);
    this.updatedAt = now;
  }
}
