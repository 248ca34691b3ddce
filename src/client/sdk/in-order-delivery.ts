/**
 * Hands each conversation's messages to the application exactly once and in sequence order.
 *
 * Sequence numbers are per conversation and come from the server. A number at or
 * below the last one processed is a repeat and is dropped. A number beyond the next
 * expected one is held until the gap fills: during the replay after `hello`, live
 * messages may overtake older replayed ones. When the server says the replay is
 * complete (`finishReplay`), nothing older is on its way, so whatever is held is
 * released in order.
 *
 * Entries without a payload stand for sequence numbers this device used itself
 * (its own sends, acknowledged by `sent`): they advance the cursor but show nothing.
 */
export type Release<T> = (conv: number, seq: number, payload: T | undefined) => void;

export type Offer = "released" | "repeat" | "held";

export class InOrderDelivery<T> {
  private readonly last = new Map<number, number>();
  private readonly held = new Map<number, Map<number, T | undefined>>();
  private replaying = true;

  constructor(
    cursors: Record<string, number>,
    private readonly release: Release<T>,
  ) {
    for (const [conv, seq] of Object.entries(cursors)) this.last.set(Number(conv), seq);
  }

  /** A new connection: everything is held until its replay is complete. */
  beginReplay(): void {
    this.replaying = true;
  }

  /** The server has sent its whole backlog: release everything held, in order, and go live. */
  finishReplay(): void {
    this.replaying = false;
    for (const conv of [...this.held.keys()]) this.releaseHeld(conv);
  }

  offer(conv: number, seq: number, payload?: T): Offer {
    const last = this.last.get(conv);
    if (last !== undefined && seq <= last) return "repeat";
    const expected = last === undefined ? undefined : last + 1;
    // A conversation this device has no cursor for starts with the first live entry:
    // the replay just completed had nothing older for it.
    const startsConversation = last === undefined && !this.replaying;
    if (!this.replaying && (seq === expected || startsConversation)) {
      this.advance(conv, seq, payload);
      this.drain(conv);
      return "released";
    }
    let waiting = this.held.get(conv);
    if (!waiting) this.held.set(conv, (waiting = new Map()));
    if (waiting.has(seq)) return "repeat";
    waiting.set(seq, payload);
    return "held";
  }

  /** The server cannot send `conv` up to `until` any more (retention): continue after it. */
  skipTo(conv: number, until: number): void {
    const last = this.last.get(conv);
    if (last !== undefined && last >= until) return;
    const waiting = this.held.get(conv);
    for (const seq of waiting?.keys() ?? []) if (seq <= until) waiting?.delete(seq);
    this.advance(conv, until, undefined);
    if (!this.replaying) this.drain(conv);
  }

  /** Stops waiting for a gap in `conv` to fill: releases what is held, in order. */
  releaseHeld(conv: number): void {
    const waiting = this.held.get(conv);
    if (!waiting) return;
    this.held.delete(conv);
    for (const seq of [...waiting.keys()].sort((a, b) => a - b)) {
      const last = this.last.get(conv);
      if (last === undefined || seq > last) this.advance(conv, seq, waiting.get(seq));
    }
  }

  /** Whether `conv` has entries waiting for a gap to fill. */
  isWaiting(conv: number): boolean {
    return this.held.has(conv);
  }

  cursor(conv: number): number | undefined {
    return this.last.get(conv);
  }

  private advance(conv: number, seq: number, payload: T | undefined): void {
    this.last.set(conv, seq);
    this.release(conv, seq, payload);
  }

  private drain(conv: number): void {
    const waiting = this.held.get(conv);
    if (!waiting) return;
    let next = (this.last.get(conv) ?? 0) + 1;
    for (const seq of waiting.keys()) if (seq < next) waiting.delete(seq);
    while (waiting.has(next)) {
      const payload = waiting.get(next);
      waiting.delete(next);
      this.advance(conv, next, payload);
      next += 1;
    }
    if (waiting.size === 0) this.held.delete(conv);
  }
}
