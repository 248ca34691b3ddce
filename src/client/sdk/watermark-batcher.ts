/**
 * Collects per-conversation watermarks (`received`, `read`) and sends each conversation's
 * highest one at most once per interval, instead of one frame per message.
 * `send` returns false when it could not send (offline); the batch is then kept for `flush`.
 */
export class WatermarkBatcher {
  private readonly pending = new Map<number, number>();
  private readonly sent = new Map<number, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (batch: ReadonlyMap<number, number>) => boolean,
  ) {}

  raise(conv: number, seq: number): void {
    if (Math.max(this.pending.get(conv) ?? -1, this.sent.get(conv) ?? -1) >= seq) return;
    this.pending.set(conv, seq);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    if (!this.send(new Map(this.pending))) return;
    for (const [conv, seq] of this.pending) this.sent.set(conv, seq);
    this.pending.clear();
  }

  /** What was sent may not have arrived (refused for rate): send every conversation's highest mark again, after the interval. */
  resendSoon(): void {
    for (const [conv, seq] of this.sent) if ((this.pending.get(conv) ?? -1) < seq) this.pending.set(conv, seq);
    this.sent.clear();
    if (this.pending.size > 0) this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
