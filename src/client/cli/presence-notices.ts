import type { PresenceFrame } from "../../protocol/index.ts";
import type { PresenceBook } from "../sdk/presence-book.ts";
import { presenceLine } from "./notices.ts";
import type { z } from "zod";

/**
 * A contact who goes offline and is back within this is not worth two lines: a server restart or a
 * network change takes everyone away for a few seconds.
 */
export const OFFLINE_GRACE_MS = 15_000;

/**
 * The quiet presence lines of the chat screen: `· bob is online`, `· bob was last seen 14:02`, only for
 * the people this session talks with (`worthALine`). Going offline is told only once it has lasted the
 * grace time, so a contact who drops and comes back (as everyone does when a server restarts) makes no
 * line at all. The book is updated at once: /who always says what the server said last.
 */
export class PresenceNotices {
  private readonly leaving = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly book: PresenceBook,
    private readonly worthALine: (user: string) => boolean,
    private readonly print: (line: string) => void,
    private readonly graceMs = OFFLINE_GRACE_MS,
  ) {}

  record(frame: z.infer<typeof PresenceFrame>): void {
    const change = this.book.record(frame);
    if (change === "came-online") {
      const wasLeaving = this.leaving.has(frame.user);
      this.cancel(frame.user);
      if (!wasLeaving && this.worthALine(frame.user)) this.print(presenceLine(frame));
    } else if (change === "went-offline" && this.worthALine(frame.user)) {
      this.cancel(frame.user);
      this.leaving.set(
        frame.user,
        setTimeout(() => {
          this.leaving.delete(frame.user);
          const now = this.book.of(frame.user);
          if (now && !now.online) this.print(presenceLine(now));
        }, this.graceMs),
      );
    }
  }

  dispose(): void {
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
  }

  private cancel(user: string): void {
    clearTimeout(this.leaving.get(user));
    this.leaving.delete(user);
  }
}
