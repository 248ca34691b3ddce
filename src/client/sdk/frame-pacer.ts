/** A frame limit the server announced in `ready`. */
export interface FrameRate {
  perSecond: number;
  burst: number;
}

/**
 * Sends frames no faster than the server takes them: a token bucket a little
 * smaller and slower than the server's, so a burst (a pasted file, a backlog
 * of acks) queues here instead of being refused there. Frames keep their order.
 */
export class FramePacer {
  private readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private updatedAt = Date.now();
  private queue: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    rate: FrameRate,
    private readonly write: (frame: string) => void,
  ) {
    // Room for what went before `ready` (hello, a ping) and a tenth slower, so the server's bucket is never emptier than ours.
    this.capacity = Math.max(1, rate.burst - 4);
    this.perMs = (rate.perSecond * 0.9) / 1000;
    this.tokens = this.capacity;
  }

  send(frame: string): void {
    if (this.queue.length === 0 && this.take()) return this.write(frame);
    this.queue.push(frame);
    this.schedule();
  }

  /** Frames waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Sends what waits now, whatever the rate: the client is closing and these are its last words (acks). */
  flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const frame of this.queue.splice(0)) this.write(frame);
  }

  /** Drops what waits: the connection it was for is gone. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }

  private take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const waitMs = Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.queue.length > 0 && this.take()) this.write(this.queue.shift()!);
      if (this.queue.length > 0) this.schedule();
    }, waitMs);
  }
}
