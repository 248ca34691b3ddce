/**
 * A terminal that reports no focus counts its person as away after this long without a key:
 * short, so that a screen left alone does not mark messages read, long enough to read a few lines.
 */
export const IDLE_AFTER_MS = 120_000;

/**
 * When a message on screen counts as read. Where the terminal reports focus (xterm's focus
 * events), a message is read when it is shown while the terminal has focus, or when focus comes
 * back while it is on screen. Where it reports nothing, the person counts as there while they
 * pressed a key within the last two minutes; messages shown while they were away are read at
 * their next key. A key press is also proof of focus, whatever was reported last.
 */
export class Attention {
  /** Undefined until the terminal reports focus at all. */
  private focused: boolean | undefined;
  private lastKeyAt: number;
  /** The highest seq of each conversation shown while nobody was looking. */
  private readonly unread = new Map<number, number>();

  constructor(
    private readonly markRead: (conv: number, seq: number) => void,
    private readonly now: () => number = Date.now,
  ) {
    // Whoever started the client was at the terminal a moment ago.
    this.lastKeyAt = now();
  }

  /** Whether a message shown now would be seen. */
  get present(): boolean {
    return this.focused ?? this.now() - this.lastKeyAt < IDLE_AFTER_MS;
  }

  /** A message of `conv` up to `seq` is on screen now. */
  shown(conv: number, seq: number): void {
    if (this.present) return this.markRead(conv, seq);
    this.unread.set(conv, Math.max(seq, this.unread.get(conv) ?? 0));
  }

  focus(focused: boolean): void {
    this.focused = focused;
    if (focused) this.caughtUp();
  }

  keypress(): void {
    this.lastKeyAt = this.now();
    if (this.focused === false) this.focused = true;
    this.caughtUp();
  }

  /** How many conversations have messages on screen that were not seen yet. */
  get waiting(): number {
    return this.unread.size;
  }

  private caughtUp(): void {
    for (const [conv, seq] of this.unread) this.markRead(conv, seq);
    this.unread.clear();
  }
}
