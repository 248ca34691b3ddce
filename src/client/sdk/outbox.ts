import { ChatError, EventRequest } from "../../protocol/index.ts";
import { type BackoffPolicy, backoffDelay } from "./backoff.ts";
import type { OutboxEntry } from "./device-state.ts";
import { uuidv7 } from "./uuid.ts";

export interface OutboxOptions {
  /** The state file's outbox list, changed in place. */
  entries: OutboxEntry[];
  backoff: BackoffPolicy;
  /**
   * Writes the state now: new entries must be stored before they are sent. A driver that stores
   * asynchronously (IndexedDB) returns a promise, and sending waits for it.
   */
  saveNow(): void;
  /** Writes the state file soon: a removed entry that comes back after a crash is only a harmless retry. */
  saveSoon(): void;
  /** Sends an entry if the connection can (and it is not already waiting for its answer); called again for every entry after each reconnect. */
  transmit(entry: OutboxEntry): void;
  /** Whether the entry was sent on the current connection and its answer has not come yet. */
  awaitingAnswer(id: string): boolean;
}

/** After the current turn of the event loop (setImmediate where there is one: Bun; a timer in a browser). */
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const nextTurn: (callback: () => void) => void = immediate ? (callback) => void immediate(callback) : (callback) => void setTimeout(callback, 0);

/** An event request before the outbox gives it its id. */
export type NewRequest = DistributiveOmit<EventRequest, "id">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Messages typed on this device that the server has not acknowledged, oldest first.
 * New entries of one tick are saved together, then sent; an entry leaves only when the
 * server stored it (`sent`) or refused it for good. Each keeps its id on every retry.
 *
 * Order: entries go out in the order they were added. After a retryable refusal the outbox
 * holds: nothing more is sent until the delay is over and every entry already sent has its
 * answer (the server refuses the later ones of the refused entry's conversation meanwhile),
 * then every entry left is sent again, oldest first. An action without `to` has no known
 * conversation, so the outbox holds as one queue for the whole device.
 */
export class Outbox {
  private readonly unsent: string[] = [];
  private commitScheduled = false;
  private disposed = false;
  /** A retryable refusal came: nothing new goes out until `resume`. */
  private holding = false;
  /** The delay of the refusals is over: resume once no answer is outstanding. */
  private retryDue = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryAt = 0;
  private readonly retryCounts = new Map<string, number>();
  private drainWaiters = new Set<() => void>();

  constructor(private readonly options: OutboxOptions) {}

  get entries(): readonly OutboxEntry[] {
    return this.options.entries;
  }

  /** Queues a message or action with a new id; throws a `ChatError` when it could never be sent as it is. */
  add(request: NewRequest): OutboxEntry {
    const frame = EventRequest.safeParse({ ...request, id: uuidv7() });
    if (!frame.success) throw new ChatError("bad_request", frame.error.issues[0]?.message ?? "That message cannot be sent.");
    const entry: OutboxEntry = { ...frame.data, createdAt: Date.now() };
    this.options.entries.push(entry);
    this.unsent.push(entry.id);
    this.scheduleCommit();
    return entry;
  }

  has(id: string): boolean {
    return this.options.entries.some((entry) => entry.id === id);
  }

  find(id: string): OutboxEntry | undefined {
    return this.options.entries.find((entry) => entry.id === id);
  }

  /** Whether the outbox holds its entries after a refusal. */
  get held(): boolean {
    return this.holding;
  }

  /** A new connection is ready: sends every entry, oldest first (a new connection has no refusals to wait out). */
  sendAll(): void {
    this.holding = false;
    this.retryDue = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const entry of [...this.options.entries]) this.options.transmit(entry);
  }

  /** Removes an entry the server stored or refused for good; undefined if it had already left. */
  settle(id: string): OutboxEntry | undefined {
    const index = this.options.entries.findIndex((entry) => entry.id === id);
    if (index < 0) return undefined;
    const [entry] = this.options.entries.splice(index, 1);
    this.retryCounts.delete(id);
    this.options.saveSoon();
    if (this.options.entries.length === 0) for (const waiter of this.drainWaiters) waiter();
    this.resumeWhenDue();
    return entry;
  }

  /**
   * The server refused the entry for now: hold every later entry, and after `retryAfterMs` (or a
   * growing backoff) send again, in order, from the oldest entry left.
   */
  retryLater(entry: OutboxEntry, retryAfterMs: number | undefined): void {
    const retries = (this.retryCounts.get(entry.id) ?? 0) + 1;
    this.retryCounts.set(entry.id, retries);
    this.holding = true;
    const at = Date.now() + (retryAfterMs ?? backoffDelay(retries, this.options.backoff));
    if (!this.retryDue && (this.retryTimer === undefined || at > this.retryAt)) {
      clearTimeout(this.retryTimer);
      this.retryAt = at;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.retryDue = true;
        this.resumeWhenDue();
      }, at - Date.now());
    }
    this.resumeWhenDue();
  }

  /** Sends again once the delay is over and no answer is outstanding: the refusals of later entries are in, so order holds. */
  private resumeWhenDue(): void {
    if (!this.holding || !this.retryDue || this.disposed) return;
    if (this.options.entries.some((entry) => this.options.awaitingAnswer(entry.id))) return;
    this.sendAll();
  }

  /** Resolves true once the outbox is empty, false if it is not within `timeoutMs`. */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    if (this.options.entries.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.drainWaiters.delete(onDrained);
        resolve(drained);
      };
      const onDrained = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.drainWaiters.add(onDrained);
    });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    nextTurn(() => {
      this.commitScheduled = false;
      if (this.disposed) return;
      const ids = this.unsent.splice(0);
      const transmit = () => {
        // While held, new entries wait their turn: they go out with the resend, after the refused ones.
        if (this.disposed || this.holding) return;
        for (const id of ids) {
          const entry = this.find(id);
          if (entry) this.options.transmit(entry);
        }
      };
      const saved: unknown = this.options.saveNow();
      if (saved instanceof Promise) void saved.then(transmit, transmit);
      else transmit();
    });
  }
}
