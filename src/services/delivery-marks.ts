import type { ConversationId, CursorUpdate } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import type { Receipts } from "./receipts.ts";

/**
 * Delivery acknowledgements, kept off the durable path. A device's ack is the
 * sender's ✓✓ at once (the device has the message; that is true whatever
 * happens next), while device cursors and delivered marks are saved together
 * every `flushMs`. A crash loses at most that much cursor movement: the
 * device is sent a few messages again on reconnect and drops them by seq.
 */
export class DeliveryMarks {
  private readonly pending = new Map<string, CursorUpdate>();
  private timer: Timer | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly receipts: Receipts,
    private readonly flushMs: number,
    private readonly onSaveFailed: (error: unknown) => void,
  ) {}

  received(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    const key = `${actor.deviceId}:${conv}`;
    if ((this.pending.get(key)?.seq ?? -1) < seq) this.pending.set(key, { device: actor.deviceId, userId: actor.userId, conv, seq });
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
    return this.receipts.acknowledged(conv, actor, seq);
  }

  /** Saves what is pending; resolves when it (and every earlier save) is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const updates = [...this.pending.values()];
    this.pending.clear();
    if (updates.length > 0) {
      this.saving = this.saving.then(async () => {
        try {
          await this.store.saveDelivered(updates);
          // Group marks are the lowest over every member: they can only be worked out from saved marks.
          await this.receipts.marksSaved(new Set(updates.map((update) => update.conv)));
        } catch (error) {
          this.onSaveFailed(error);
        }
      });
    }
    return this.saving;
  }
}
