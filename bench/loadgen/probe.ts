/**
 * The text every bench message carries, so the receiver alone can tell which
 * step and sender it belongs to, its number, and when it was due to be sent:
 * `k=<step>;u=<sender>;s=<seq>;t=<ms>;` followed by filler to a realistic size.
 */
export interface Probe {
  step: number;
  sender: number;
  seq: number;
  /** `performance.now()` of the load generator when the message was scheduled. */
  dueAt: number;
}

const FILLER = " lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod tempor";

export function formatProbe(probe: Probe, size: number): string {
  const head = `k=${probe.step};u=${probe.sender};s=${probe.seq};t=${probe.dueAt.toFixed(3)};`;
  return head.length >= size ? head : head + FILLER.repeat(Math.ceil(size / FILLER.length)).slice(0, size - head.length);
}

/** Reads a probe back; null for any text the bench did not write. */
export function parseProbe(text: string): Probe | null {
  const match = /^k=(\d+);u=(\d+);s=(\d+);t=([\d.]+);/.exec(text);
  if (!match) return null;
  return { step: Number(match[1]), sender: Number(match[2]), seq: Number(match[3]), dueAt: Number(match[4]) };
}
