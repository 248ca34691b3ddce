import type { MessageEntry } from "../sdk/state-file.ts";
import type { Tick } from "./format.ts";

export interface OwnMessage {
  entry: MessageEntry;
  tick: Tick;
  conv?: number;
  seq?: number;
  ts: number;
}

const PROGRESS: Record<Tick, number> = { failed: -1, pending: 0, sent: 1, delivered: 2, read: 3 };

/**
 * The ticks of the messages sent from this screen: pending until the server stores one (✓),
 * then raised by the recipient's delivered (✓✓) and read watermarks, which are remembered
 * per conversation so a message stored after its receipt still gets the right tick.
 */
export class OwnMessages {
  private readonly byId = new Map<string, OwnMessage>();
  private readonly watermarks = new Map<number, { delivered: number; read: number }>();

  add(entry: MessageEntry): OwnMessage {
    const message: OwnMessage = { entry, tick: "pending", ts: entry.createdAt };
    this.byId.set(entry.id, message);
    return message;
  }

  /** A message of the user's sent earlier (shown from the history), with the tick the server gave it. */
  restore(entry: MessageEntry, conv: number, seq: number, tick: Tick): OwnMessage {
    const message: OwnMessage = { entry, tick, conv, seq, ts: entry.createdAt };
    this.byId.set(entry.id, message);
    return message;
  }

  get(id: string): OwnMessage | undefined {
    return this.byId.get(id);
  }

  stored(id: string, conv: number, seq: number, ts: number): OwnMessage | undefined {
    const message = this.byId.get(id);
    if (!message) return undefined;
    Object.assign(message, { conv, seq, ts });
    message.tick = this.tickFor(conv, seq);
    return message;
  }

  failed(id: string): OwnMessage | undefined {
    const message = this.byId.get(id);
    if (message) message.tick = "failed";
    return message;
  }

  /** Applies a receipt; returns the messages whose tick went up, oldest first. */
  applyReceipt(conv: number, delivered: number | undefined, read: number | undefined): OwnMessage[] {
    const marks = this.watermarks.get(conv) ?? { delivered: 0, read: 0 };
    marks.delivered = Math.max(marks.delivered, delivered ?? 0, read ?? 0);
    marks.read = Math.max(marks.read, read ?? 0);
    this.watermarks.set(conv, marks);
    const raised: OwnMessage[] = [];
    for (const message of this.byId.values()) {
      if (message.conv !== conv || message.seq === undefined || message.tick === "failed") continue;
      const tick = this.tickFor(conv, message.seq);
      if (PROGRESS[tick] > PROGRESS[message.tick]) {
        message.tick = tick;
        raised.push(message);
      }
    }
    return raised.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  }

  private tickFor(conv: number, seq: number): Tick {
    const marks = this.watermarks.get(conv);
    if (marks && seq <= marks.read) return "read";
    if (marks && seq <= marks.delivered) return "delivered";
    return "sent";
  }
}
