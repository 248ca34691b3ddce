/**
 * How the load generator talks to one kind of target. The same scenarios run
 * against the app and both relays; only this layer knows their protocols.
 */

export interface Account {
  name: string;
  /** Session token of one device (the app); relays need none. */
  token?: string;
}

export interface ConnectionEvents {
  /** A chat message arrived, live or replayed from storage (the app says where: its conversation and sequence number). */
  message(text: string, from: string, conv?: number, seq?: number): void;
  /** The target stored a send (the app's durable ✓, with the conversation and sequence number it got); relays never confirm. */
  stored?(id: string, conv?: number, seq?: number): void;
  /** The app answered `hello` with `ready`: what arrived before was the replay, what follows is live. */
  ready?(): void;
  /** The target refused a request. */
  refused?(code: string, message: string, id?: string): void;
  /** The target closed the connection (never called for our own `close()`). */
  dropped?(code: number, reason: string): void;
}

export interface BenchConnection {
  send(to: string, id: string, text: string): void;
  close(): void;
  /** The app only: a `received` or `read` watermark of a conversation. */
  mark?(type: "received" | "read", conv: number, seq: number): void;
  /** The app only: a `typing` notice to a user or `#group`. */
  typing?(to: string): void;
}

export interface TargetDriver {
  /** Whether a message to an offline device waits for it (catch-up needs this). */
  readonly stores: boolean;
  /** Whether every send is answered once stored. */
  readonly confirmsSends: boolean;
  /** Creates one account (and its first device) per name. */
  createAccounts(names: string[]): Promise<Account[]>;
  /**
   * Like createAccounts with `devicesPerAccount` devices each, for scenarios
   * that need thousands: the app's accounts are written straight into its
   * store (a password hash each over HTTP would take minutes); every device
   * still authenticates with its own token when it connects.
   */
  seedAccounts(names: string[], devicesPerAccount: number): Promise<Account[]>;
  /** Resolves once the connection is live (for the app: after `ready`, i.e. after any backlog). */
  connect(account: Account, events: ConnectionEvents, groups?: readonly string[]): Promise<BenchConnection>;
  /** Makes `members` a group addressed as `#name`; members pass `[name]` as `groups` when connecting. */
  createGroup(name: string, members: readonly Account[]): Promise<void>;
}

/** The target cannot run this scenario (yet); the report shows the reason instead of figures. */
export class Unsupported extends Error {
  override readonly name = "Unsupported";
}

export const CONNECT_TIMEOUT_MS = 15_000;

/** Opens a WebSocket and settles when it opens, fails or times out. */
export function openSocket(url: string, headers?: Record<string, string>): Promise<WebSocket> {
  const socket = headers ? new WebSocket(url, { headers }) : new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no WebSocket open from ${url} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      clearTimeout(timer);
      resolve(socket);
    }, { once: true });
    socket.addEventListener("close", (event) => {
      clearTimeout(timer);
      reject(new Error(`WebSocket to ${url} closed before opening (${event.code} ${event.reason})`));
    }, { once: true });
  });
}

/** Reports closes we did not ask for; returns the close to use for our own. */
export function watchDrops(socket: WebSocket, events: ConnectionEvents): () => void {
  let closing = false;
  socket.addEventListener("close", (event) => {
    if (!closing) events.dropped?.(event.code, event.reason);
  });
  return () => {
    closing = true;
    socket.close();
  };
}

export function encodeSend(to: string, id: string, text: string): string {
  return JSON.stringify({ type: "send", id, to, text });
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
