import { InOrderDelivery } from "../../src/client/sdk/in-order-delivery.ts";
import { WatermarkBatcher } from "../../src/client/sdk/watermark-batcher.ts";
import { connectAppDevice } from "../drivers/app.ts";
import type { Account, BenchConnection, ConnectionEvents } from "../drivers/driver.ts";
import { encodeSend } from "../drivers/driver.ts";

/** The SDK's interval for `received` marks (src/client/sdk/connection.ts): one per conversation per 50 ms. */
const RECEIVED_INTERVAL_MS = 50;

/** What a device tells the day about what it processed, sent and was refused. */
export interface DeviceListener {
  /** A message of someone else, handed out in order, once (live if it was due after `device.readyAt`). */
  processed(device: DayDevice, text: string, conv: number, seq: number): void;
  stored(id: string): void;
  refused(code: string, message: string, id?: string): void;
  /** The server closed the connection (not our own close). */
  dropped(device: DayDevice, why: string): void;
  /** Frames of marks this device sent (`received` and `read`). */
  marked(type: "received" | "read", count: number): void;
}

/**
 * One user's one device as the SDK keeps it across connections: its cursors
 * (what it processed, per conversation), an in-order hand-out that drops
 * repeats and holds early arrivals (the SDK's `InOrderDelivery`), batched
 * `received` and `read` marks (its `WatermarkBatcher`), and an outbox of
 * sends not yet answered, sent again on the next connection.
 */
export class DayDevice {
  connection: BenchConnection | null = null;
  /** `performance.now()` when the current connection was ready; Infinity while not connected. */
  readyAt = Number.POSITIVE_INFINITY;
  /** True from the start of a reconnect until its `ready`. */
  away = false;
  /** Arrivals dropped because their sequence number was already processed (live delivery overtaking the replay). */
  repeats = 0;
  private readonly unconfirmed = new Map<string, string>();
  private readonly delivery: InOrderDelivery<{ text: string; from: string }>;
  private readonly receivedMarks: WatermarkBatcher;
  private readonly readMarks: WatermarkBatcher;

  constructor(
    readonly index: number,
    readonly account: Account,
    /** Every conversation the user is in: the seeded ones are empty, so the device has processed each up to 0. */
    private readonly conversations: readonly number[],
    readIntervalMs: number,
    private readonly listener: DeviceListener,
  ) {
    this.delivery = new InOrderDelivery(Object.fromEntries(conversations.map((conv) => [conv, 0])), (conv, seq, payload) => this.release(conv, seq, payload));
    this.receivedMarks = new WatermarkBatcher(RECEIVED_INTERVAL_MS, (batch) => this.sendMarks("received", batch));
    this.readMarks = new WatermarkBatcher(readIntervalMs, (batch) => this.sendMarks("read", batch));
  }

  /** Connects (token on upgrade, `hello` with the cursors, replay, `ready`), then sends again what was never answered. */
  async connect(baseUrl: string): Promise<void> {
    this.delivery.beginReplay();
    const cursors: Record<string, number> = {};
    for (const conv of this.conversations) cursors[conv] = this.delivery.cursor(conv) ?? 0;
    this.connection = await connectAppDevice(baseUrl, this.account, this.events(), { cursors, unconfirmed: this.unconfirmed, callerAcks: true });
    this.away = false;
    this.receivedMarks.flush();
    this.readMarks.flush();
  }

  /** Closes the connection (a phone losing its network); what it sends meanwhile waits in the outbox. */
  disconnect(): void {
    this.away = true;
    this.connection?.close();
    this.connection = null;
    this.readyAt = Number.POSITIVE_INFINITY;
  }

  send(to: string, id: string, text: string): void {
    if (this.connection) this.connection.send(to, id, text);
    else this.unconfirmed.set(id, encodeSend(to, id, text));
  }

  /** Typing reaches nobody while offline: the SDK does not queue it either. */
  typing(to: string): boolean {
    if (!this.connection) return false;
    this.connection.typing!(to);
    return true;
  }

  /** The user looks at the conversation: a `read` mark up to `seq`, batched. */
  read(conv: number, seq: number): void {
    this.readMarks.raise(conv, seq);
  }

  /** Sends not yet answered, and arrivals held for a gap that never filled. */
  get outstanding(): { unconfirmed: number; held: number } {
    let held = 0;
    for (const conv of this.conversations) if (this.delivery.isWaiting(conv)) held++;
    return { unconfirmed: this.unconfirmed.size, held };
  }

  private events(): ConnectionEvents {
    return {
      message: (text, from, conv, seq) => {
        if (this.delivery.offer(conv!, seq!, { text, from }) === "repeat") this.repeats++;
      },
      stored: (id, conv, seq) => {
        this.listener.stored(id);
        // The device's own message has its sequence number too: without it the next one would wait for a gap.
        this.delivery.offer(conv!, seq!);
      },
      refused: (code, message, id) => this.listener.refused(code, message, id),
      ready: () => {
        this.readyAt = performance.now();
        this.delivery.finishReplay();
      },
      dropped: (code, reason) => {
        this.connection = null;
        this.readyAt = Number.POSITIVE_INFINITY;
        this.listener.dropped(this, `${code} ${reason}`);
      },
    };
  }

  private release(conv: number, seq: number, payload: { text: string; from: string } | undefined): void {
    this.receivedMarks.raise(conv, seq);
    // Its own messages come back in a replay (a copy for its other devices): they count as its ack, not as a delivery.
    if (payload && payload.from !== this.account.name) this.listener.processed(this, payload.text, conv, seq);
  }

  private sendMarks(type: "received" | "read", batch: ReadonlyMap<number, number>): boolean {
    if (!this.connection) return false;
    for (const [conv, seq] of batch) this.connection.mark!(type, conv, seq);
    this.listener.marked(type, batch.size);
    return true;
  }
}
