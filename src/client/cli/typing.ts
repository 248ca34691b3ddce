import { isGroupAddress } from "../../protocol/index.ts";
import type { ChatConnection } from "../sdk/connection.ts";

/** Others' typing notices expire on their own: the sender refreshes them while typing. */
const NOTICE_LIFETIME_MS = 6_000;
/** Tell a recipient at most this often that the user is typing to them. */
const SEND_INTERVAL_MS = 3_000;

/**
 * Typing in both directions: shows who is typing to this user, and tells the person the line being
 * typed will go to. `destination` names them only once the line has text and their name is one this
 * device knows: half a word, or a name nobody has, tells nobody anything (and the server has nothing to refuse).
 */
export class TypingIndicator {
  private readonly active = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly connection: Pick<ChatConnection, "typing">,
    private readonly destination: () => string | undefined,
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

  /** The line being typed changed. */
  draftChanged(): void {
    const to = this.destination();
    if (to === undefined) return;
    const now = Date.now();
    if (now - (this.lastSent.get(to) ?? 0) < SEND_INTERVAL_MS) return;
    this.lastSent.set(to, now);
    this.connection.typing(to);
  }

  dispose(): void {
    for (const timer of this.active.values()) clearTimeout(timer);
    this.active.clear();
  }

  private describe(from: string, to: string): string {
    return isGroupAddress(to) ? `${from} in ${to}` : from;
  }
}
