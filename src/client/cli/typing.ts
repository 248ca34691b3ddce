import { isGroupAddress, Recipient } from "../../protocol/index.ts";
import type { ChatConnection } from "../sdk/connection.ts";

/** Others' typing notices expire on their own: the sender refreshes them while typing. */
const NOTICE_LIFETIME_MS = 6_000;
/** Tell a recipient at most this often that the user is typing to them. */
const SEND_INTERVAL_MS = 3_000;

/** Typing in both directions: shows who is typing to this user, and tells the recipient of the line being typed. */
export class TypingIndicator {
  private readonly active = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly connection: ChatConnection,
    private readonly currentLine: () => string,
    private readonly changed: () => void,
  ) {}

  started(from: string, to: string): void {
    const who = this.describe(from, to);
    clearTimeout(this.active.get(who));
    this.active.set(
      who,
      setTimeout(() => {
        this.active.delete(who);
        this.changed();
      }, NOTICE_LIFETIME_MS),
    );
    this.changed();
  }

  /** `from` sent a message: they are done typing it. */
  stopped(from: string, to: string): void {
    const who = this.describe(from, to);
    if (!this.active.has(who)) return;
    clearTimeout(this.active.get(who));
    this.active.delete(who);
    this.changed();
  }

  label(): string {
    return this.active.size === 0 ? "" : `[${[...this.active.keys()].join(", ")} typing…]`;
  }

  /** Called on every key; readline updates the line after the keypress listeners ran, hence the deferral. */
  readonly keypress = () => {
    setImmediate(() => {
      const match = /^(\S+)\s+\S/.exec(this.currentLine());
      const recipient = match ? Recipient.safeParse(match[1]) : undefined;
      if (!recipient?.success) return;
      const now = Date.now();
      if (now - (this.lastSent.get(recipient.data) ?? 0) < SEND_INTERVAL_MS) return;
      this.lastSent.set(recipient.data, now);
      this.connection.typing(recipient.data);
    });
  };

  dispose(): void {
    for (const timer of this.active.values()) clearTimeout(timer);
    this.active.clear();
    process.stdin.off("keypress", this.keypress);
  }

  private describe(from: string, to: string): string {
    return isGroupAddress(to) ? `${from} in ${to}` : from;
  }
}
