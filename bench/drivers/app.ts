import { ErrorBody, Session, type ServerFrame } from "../../src/protocol/index.ts";
import {
  type Account,
  type BenchConnection,
  CONNECT_TIMEOUT_MS,
  type ConnectionEvents,
  type TargetDriver,
  Unsupported,
  encodeSend,
  mapLimit,
  openSocket,
  watchDrops,
} from "./driver.ts";

const PASSWORD = "bench-password";
/** Registration costs an argon2 hash on the server; more in flight only queues there. */
const REGISTER_CONCURRENCY = 8;

/** Speaks the app's real protocol, as the real client does: HTTP sign-up and login, token on upgrade, hello/ready, coalesced acks. */
export function appDriver(baseUrl: string): TargetDriver {
  const wsUrl = `${baseUrl.replace(/^http/, "ws")}/ws`;

  async function session(path: "/api/register" | "/api/login", name: string): Promise<Account> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password: PASSWORD, device: "bench" }),
    });
    const body = await response.json();
    if (!response.ok) {
      const error = ErrorBody.safeParse(body);
      throw new Error(`${path} for ${name} failed with ${response.status}: ${error.success ? error.data.error.message : JSON.stringify(body)}`);
    }
    const { user, token } = Session.parse(body);
    return { name: user, token };
  }

  return {
    stores: true,
    confirmsSends: true,
    createAccounts: (names) => mapLimit(names, REGISTER_CONCURRENCY, (name) => session("/api/register", name)),
    addDevice: (account) => session("/api/login", account.name),
    connect: (account, events) => connectDevice(wsUrl, account, events),
    async createGroup() {
      // Groups are not in the app yet; when they are, create the group here over HTTP.
      throw new Unsupported("groups are not implemented in the app yet");
    },
  } satisfies TargetDriver;
}

async function connectDevice(wsUrl: string, account: Account, events: ConnectionEvents): Promise<BenchConnection> {
  const socket = await openSocket(wsUrl, { Authorization: `Bearer ${account.token}` });
  // Acks are cumulative per conversation; like a real client, send one per conversation per tick, not one per message.
  const unacked = new Map<number, number>();
  let flushQueued = false;
  const flushAcks = () => {
    flushQueued = false;
    for (const [conv, seq] of unacked) socket.send(JSON.stringify({ type: "received", conv, seq }));
    unacked.clear();
  };

  const ready = Promise.withResolvers<void>();
  const timer = setTimeout(() => ready.reject(new Error(`no ready for ${account.name} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  socket.addEventListener("close", (event) => ready.reject(new Error(`${account.name}'s socket closed: ${event.code} ${event.reason}`)));
  socket.addEventListener("message", (event) => {
    // Plain JSON.parse, not zod: the generator shares the CPU with the server, and the app's tests check frame shapes.
    const frame = JSON.parse(String(event.data)) as ServerFrame;
    switch (frame.type) {
      case "message":
        events.message(frame.text, frame.from);
        if ((unacked.get(frame.conv) ?? -1) < frame.seq) unacked.set(frame.conv, frame.seq);
        if (!flushQueued) {
          flushQueued = true;
          setImmediate(flushAcks);
        }
        break;
      case "sent":
        events.stored?.(frame.id);
        break;
      case "ready":
        clearTimeout(timer);
        ready.resolve();
        break;
      case "error":
        if (frame.id === "hello") ready.reject(new Error(`hello refused for ${account.name}: ${frame.message}`));
        events.refused?.(frame.code, frame.message, frame.id);
        break;
    }
  });
  socket.send(JSON.stringify({ type: "hello", id: "hello" }));
  try {
    await ready.promise;
  } catch (error) {
    clearTimeout(timer);
    socket.close();
    throw error;
  }
  return { send: (to, id, text) => socket.send(encodeSend(to, id, text)), close: watchDrops(socket, events) };
}
