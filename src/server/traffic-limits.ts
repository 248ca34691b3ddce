import { ChatError } from "../protocol/index.ts";
import { TokenBucket, type BucketRate } from "../domain/token-bucket.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";

/**
 * How fast clients may send, enforced on the server: frames per connection
 * (cheap, in memory, before any work) and messages per user across all their
 * devices (through a RateLimiter, which a shared driver can hold across servers).
 * A refusal is a `rate_limited` error with the wait; nothing is stored.
 */
export class TrafficLimits {
  private readonly connectionBuckets = new WeakMap<object, TokenBucket>();

  /** `frameRate` undefined: connections are not limited; `userMessages` undefined: users are not. */
  constructor(
    /** Announced to clients in `ready`, so they can pace themselves. */
    readonly frameRate: BucketRate | undefined,
    private readonly userMessages: RateLimiter | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `rate_limited` when this connection sends frames faster than allowed. */
  admitFrame(connection: object): void {
    if (!this.frameRate) return;
    let bucket = this.connectionBuckets.get(connection);
    if (!bucket) {
      bucket = new TokenBucket(this.frameRate, this.now());
      this.connectionBuckets.set(connection, bucket);
    }
    const waitMs = bucket.take(this.now());
    if (waitMs > 0) throw new ChatError("rate_limited", `This connection sends frames too fast: wait ${waitMs} ms, then send again.`, waitMs);
  }

  /** Throws `rate_limited` when the user sends messages faster than allowed, from all devices together. */
  async admitMessage(userId: number): Promise<void> {
    if (!this.userMessages) return;
    const waitMs = await this.userMessages.take(`messages:${userId}`);
    if (waitMs > 0) throw new ChatError("rate_limited", `You are sending messages too fast: wait ${waitMs} ms, then send again.`, waitMs);
  }
}
