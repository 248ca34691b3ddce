import { hashSessionToken, newSessionToken } from "../../src/domain/tokens.ts";
import { ERROR_CODES, ErrorBody, Session, type ServerFrame } from "../../src/protocol/index.ts";
import { openSqliteConnection } from "../../src/store/sqlite/index.ts";
import {
  type Account,
  type BenchConnection,
  CONNECT_TIMEOUT_MS,
  type ConnectionEvents,
  type TargetDriver,
  encodeSend,
  mapLimit,
  openSocket,
  watchDrops,
} from "./driver.ts";

const PASSWORD = "bench-password";
/** How long to wait before resending after a retryable refusal that names no wait. */
const DEFAULT_RETRY_MS = 250;
/** Registration costs an argon2 hash on the server; more in flight only queues there. */
const REGISTER_CONCURRENCY = 8;

/**
 * Speaks the app's real protocol, as the real client does: HTTP sign-up and
 * login, token on upgrade, hello/ready, coalesced acks. `dataDir` is the
 * server's SQLite directory, for seeding accounts.
 */
export function appDriver(baseUrl: string, dataDir?: string): TargetDriver {
  const wsUrl = webSocketUrl(baseUrl);

  async function register(name: string): Promise<Account> {
    const { user, token } = Session.parse(await post(`${baseUrl}/api/register`, { name, password: PASSWORD, device: "bench" }));
    return { name: user, token };
  }

  return {
    stores: true,
    confirmsSends: true,
    createAccounts: (names) => mapLimit(names, REGISTER_CONCURRENCY, register),
    async seedAccounts(names, devicesPerAccount) {
      if (!dataDir) throw new Error("seeding accounts needs the app's SQLite data directory");
      return seedSqlite(dataDir, names, devicesPerAccount);
    },
    connect: (account, events) => connectDevice(wsUrl, account, events),
    async createGroup(name, members) {
      const [creator, ...others] = members;
      if (!creator) throw new Error("a group needs at least its creator");
      await post(`${baseUrl}/api/groups`, { name, members: others.map((member) => member.name) }, creator.token);
    },
  } satisfies TargetDriver;
}

/** Writes users and devices through the app's own store code, beside the running server (SQLite in WAL mode allows it). */
export async function seedSqlite(dataDir: string, names: string[], devicesPerAccount: number): Promise<Account[]> {
  const store = openSqliteConnection(dataDir, "read-write");
  try {
    // One real argon2 hash shared by every seeded account, so logging in still works.
    const passwordHash = await Bun.password.hash(PASSWORD);
    const now = Date.now();
    const accounts: Account[] = [];
    for (const name of names) {
      const user = await store.createUser(name, passwordHash, now);
      if (!user) throw new Error(`cannot seed ${name}: the name is taken`);
      for (let device = 0; device < devicesPerAccount; device++) {
        const token = newSessionToken();
        if (!(await store.createDevice(user.id, "bench", hashSessionToken(token), now, devicesPerAccount))) throw new Error(`cannot seed a device of ${name}`);
        accounts.push({ name: user.name, token });
      }
    }
    return accounts;
  } finally {
    await store.close();
  }
}

async function post(url: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = ErrorBody.safeParse(answer);
    throw new Error(`POST ${new URL(url).pathname} failed with ${response.status}: ${error.success ? error.data.error.message : JSON.stringify(answer)}`);
  }
  return answer;
}

/** How a device resumes, for scenarios that reconnect it (bench/capacity's day); without them it starts afresh. */
export interface DeviceSession {
  /** Sent in `hello`: the last sequence number this device processed, per conversation. */
  cursors?: Record<string, number>;
  /**
   * Sends not yet answered, id → frame, kept across this device's connections: like the SDK's outbox,
   * everything in it is sent again, oldest first, once the new connection is ready.
   */
  unconfirmed?: Map<string, string>;
  /** The caller acknowledges what it processed (`mark("received", …)`); otherwise every arrival is, on the next tick. */
  callerAcks?: boolean;
}

/** One device of the app over `baseUrl` (http://…), resumed as `session` says. */
export function connectAppDevice(baseUrl: string, account: Account, events: ConnectionEvents, session: DeviceSession = {}): Promise<BenchConnection> {
  return connectDevice(webSocketUrl(baseUrl), account, events, session);
}

function webSocketUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/ws`;
}

async function connectDevice(wsUrl: string, account: Account, events: ConnectionEvents, session: DeviceSession = {}): Promise<BenchConnection> {
  const socket = await openSocket(wsUrl, { Authorization: `Bearer ${account.token}` });
  // Acks are cumulative per conversation; like a real client, send one per conversation per tick, not one per message.
  const unacked = new Map<number, number>();
  let flushQueued = false;
  const flushAcks = () => {
    flushQueued = false;
    for (const [conv, seq] of unacked) socket.send(JSON.stringify({ type: "received", conv, seq }));
    unacked.clear();
  };
  const acknowledge = (conv: number, seq: number) => {
    if ((unacked.get(conv) ?? -1) < seq) unacked.set(conv, seq);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flushAcks);
    }
  };

  // Sends not yet answered, in the order sent. After a retryable refusal the server holds everything later
  // of the conversation until the refused one comes again, so, like the real client, resend them all in order
  // (one already stored is answered with its original `sent`, once).
  const unconfirmed = session.unconfirmed ?? new Map<string, string>();
  let resendTimer: ReturnType<typeof setTimeout> | undefined;
  const resendLater = (afterMs: number) => {
    resendTimer ??= setTimeout(() => {
      resendTimer = undefined;
      for (const frame of unconfirmed.values()) socket.send(frame);
    }, afterMs);
  };

  const ready = Promise.withResolvers<void>();
  const timer = setTimeout(() => ready.reject(new Error(`no ready for ${account.name} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  socket.addEventListener("close", (event) => ready.reject(new Error(`${account.name}'s socket closed: ${event.code} ${event.reason}`)));
  socket.addEventListener("message", (event) => {
    // Plain JSON.parse, not zod: the generator shares the CPU with the server, and the app's tests check frame shapes.
    const frame = JSON.parse(String(event.data)) as ServerFrame;
    switch (frame.type) {
      case "message":
        events.message(frame.text, frame.from, frame.conv, frame.seq);
        if (!session.callerAcks) acknowledge(frame.conv, frame.seq);
        break;
      case "sent":
        unconfirmed.delete(frame.id);
        events.stored?.(frame.id, frame.conv, frame.seq);
        break;
      case "ready":
        clearTimeout(timer);
        events.ready?.();
        ready.resolve();
        break;
      case "error":
        if (frame.id === "hello") ready.reject(new Error(`hello refused for ${account.name}: ${frame.message}`));
        // A retryable refusal of a send is retried, as the client does: it shows as latency, not as a refusal.
        // One for a send already answered (a resent copy refused after the original was stored) changes nothing.
        if (frame.id !== undefined && frame.id !== "hello" && ERROR_CODES[frame.code].retryable) {
          if (unconfirmed.has(frame.id)) resendLater(frame.retryAfterMs ?? DEFAULT_RETRY_MS);
          break;
        }
        if (frame.id !== undefined) unconfirmed.delete(frame.id);
        events.refused?.(frame.code, frame.message, frame.id);
        break;
    }
  });
  socket.send(JSON.stringify({ type: "hello", id: "hello", ...(session.cursors ? { cursors: session.cursors } : {}) }));
  try {
    await ready.promise;
  } catch (error) {
    clearTimeout(timer);
    socket.close();
    throw error;
  }
  const close = watchDrops(socket, events);
  for (const frame of unconfirmed.values()) socket.send(frame);
  return {
    send(to, id, text) {
      const frame = encodeSend(to, id, text);
      unconfirmed.set(id, frame);
      socket.send(frame);
    },
    mark(type, conv, seq) {
      if (type === "received") acknowledge(conv, seq);
      else socket.send(JSON.stringify({ type, conv, seq }));
    },
    typing(to) {
      socket.send(JSON.stringify({ type: "typing", to }));
    },
    close() {
      clearTimeout(resendTimer);
      close();
    },
  };
}
