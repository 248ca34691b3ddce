import type { NoticeChange, NoticeFrame } from "../../protocol/index.ts";

/**
 * Group changes this device asked for. The server announces every change to all members,
 * the one who made it included; on the device that ran the command, the command's own
 * result line already said it, so the matching notice is not printed a second time.
 * Other devices of the same user still print it.
 */
export class OwnGroupChanges {
  private readonly expected = new Map<string, number>();

  /** Registers the notice a request will cause, before sending it (the notice can beat the answer); returns the undo for a failed request. */
  expect(change: NoticeChange, group: string, user?: string): () => void {
    const key = keyOf(change, group, user);
    this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
    return () => void this.take(key);
  }

  /** Whether the notice is the echo of a change made here; each registered change matches one notice. */
  isOwn(frame: NoticeFrame): boolean {
    return this.take(keyOf(frame.change, frame.group ?? frame.to.slice(1), frame.user));
  }

  private take(key: string): boolean {
    const count = this.expected.get(key);
    if (count === undefined) return false;
    if (count > 1) this.expected.set(key, count - 1);
    else this.expected.delete(key);
    return true;
  }
}

function keyOf(change: NoticeChange, group: string, user: string | undefined): string {
  return `${change}\u0000${group}\u0000${user ?? ""}`;
}
