import { ChatError, ERROR_CODES } from "../protocol/index.ts";
import type { ConversationId } from "../domain/types.ts";
import type { Lane } from "./commit-queue.ts";

/** Where a refused request belongs: its conversation, or every conversation when the server did not get as far as finding it. */
type Place = ConversationId | "any";

interface Refusal {
  id: string;
  code: ChatError["code"];
  retryAfterMs?: number;
}

let connections = 0;
/** More than a connection has waiting for commits (the server refuses past --max-queued-messages, 10,000 by default). */
const QUEUED_REMEMBERED = 20_000;

/**
 * One connection's order of events per conversation. Once an event of a
 * conversation is refused with a retryable error, every later event of that
 * conversation from the connection is refused with the same code until the
 * refused one (same id) arrives again; a refusal before the conversation was
 * known holds every conversation. So nothing is stored ahead of an earlier
 * event that was not, whatever fails. Another connection starts afresh.
 */
export class SendOrder {
  private readonly refused = new Map<Place, Refusal>();
  /**
   * Ids of this connection's events queued for their commit, the latest QUEUED_REMEMBERED: a client resends
   * what it has no answer for, and a refused copy of one of these must hold nothing, for its original is stored
   * (or will be), and the client, answered `sent` for it, would never send that id again to lift the hold.
   */
  private readonly queued = new Set<string>();
  private readonly prefix = `c${++connections}:`;

  /** Throws when an earlier event of the conversation (or of the connection) was refused and has not come again. */
  admit(place: Place, id: string): void {
    for (const key of place === "any" ? ["any" as const] : (["any", place] as const)) {
      const refusal = this.refused.get(key);
      if (!refusal) continue;
      if (refusal.id === id) {
        this.refused.delete(key);
        continue;
      }
      throw new ChatError(
        refusal.code,
        `An earlier message of this conversation ('${refusal.id}') was refused; send it again first, then this one. Nothing was stored.`,
        refusal.retryAfterMs,
      );
    }
  }

  /** Records a refusal: when retryable, later events of the place wait for `id`. */
  refuse(place: Place, id: string, error: unknown): void {
    // An unexpected error reaches the client as `internal`, which is retryable.
    const refusal = error instanceof ChatError ? error : new ChatError("internal", "");
    if (!ERROR_CODES[refusal.code].retryable || this.refused.has(place) || this.queued.has(id)) return;
    this.refused.set(place, { id, code: refusal.code, ...(refusal.retryAfterMs === undefined ? {} : { retryAfterMs: refusal.retryAfterMs }) });
  }

  /** The commit-queue lane of this connection's events of `conv`; a failed write refuses as the store's failure is told to the client. */
  lane(conv: ConversationId, id: string, asRefusal: (error: unknown) => unknown): Lane {
    this.queued.add(id);
    if (this.queued.size > QUEUED_REMEMBERED) this.queued.delete(this.queued.values().next().value!);
    return {
      key: this.prefix + conv,
      failed: (error) => {
        // Not stored after all: the client must send it again, and later events of the conversation wait for it.
        this.queued.delete(id);
        this.refuse(conv, id, asRefusal(error));
      },
    };
  }
}
