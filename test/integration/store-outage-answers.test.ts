/**
 * Honest answers while the store cannot be used: 503 `store_unavailable` with
 * Retry-After (as docs/deploy.md promises), logged as the known condition and
 * not as an "unexpected error", and `/readyz` saying not ready.
 */
import { expect, test } from "bun:test";
import { registerUser, startTestServer, TEST_PASSWORD } from "../helpers/server.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { startThrowawayPostgres } from "../helpers/throwaway-postgres.ts";
import { openDrivers } from "../../src/server/drivers.ts";
import { createLogger } from "../../src/server/log.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import { WRITE_METHODS } from "../../src/store/sqlite/writer-protocol.ts";
import type { Store } from "../../src/store/store.ts";

const defer = cleanupAfterEach();

function capturedLog() {
  const lines: string[] = [];
  const log = createLogger({ format: "json", level: "debug", write: (line) => lines.push(line) });
  const events = () => lines.map((line) => JSON.parse(line) as { level: string; event: string });
  return { log, events };
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** A 503 `store_unavailable` that says when to retry, in its header and its body. */
async function expectStoreUnavailable(response: Response): Promise<void> {
  const body = (await response.json()) as { error: { code: string; retryAfterMs?: number } };
  expect({ status: response.status, code: body.error.code }).toEqual({ status: 503, code: "store_unavailable" });
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(body.error.retryAfterMs).toBeGreaterThan(0);
}

test("PostgreSQL stopped: login, register, history and the WebSocket upgrade answer 503 store_unavailable with Retry-After", async () => {
  const postgres = await startThrowawayPostgres();
  defer(() => postgres.destroy());
  const { log, events } = capturedLog();
  // One server on the throwaway PostgreSQL, without Redis (not what fails here), logging to the test.
  const logged = await startTestServer({ config: { databaseUrl: postgres.url, databaseSchema: "chat", redisUrl: undefined }, openDrivers, log });
  defer(() => logged.cleanup());
  const alice = await registerUser(logged, "alice");

  await postgres.stop();
  await expectStoreUnavailable(await post(`${logged.url}/api/login`, { name: "alice", password: TEST_PASSWORD }));
  await expectStoreUnavailable(await post(`${logged.url}/api/register`, { name: "bob", password: TEST_PASSWORD }));
  await expectStoreUnavailable(await fetch(`${logged.url}/api/history?with=alice`, { headers: { authorization: `Bearer ${alice.token}` } }));
  await expectStoreUnavailable(await fetch(`${logged.url}/ws`, {
      headers: { authorization: `Bearer ${alice.token}`, upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
    }),
  );
  expect((await fetch(`${logged.url}/readyz`)).status).toBe(503);

  // Logged as what it is, not as a bug.
  expect(events().filter((event) => event.event === "unexpected error")).toEqual([]);
  expect(events().some((event) => event.level === "warn" && event.event.startsWith("store unavailable"))).toBe(true);

  await postgres.start();
  expect((await post(`${logged.url}/api/login`, { name: "alice", password: TEST_PASSWORD })).status).toBe(200);
}, 60_000);

/** The SQLite store with a switch that makes every write fail as SQLite does on a full disk (as the writer thread reports it). */
function diskThatFills(store: Store): { store: Store; fill(): void; free(): void } {
  let full = false;
  const writes = new Set<string>(WRITE_METHODS.filter((method) => method !== "ping"));
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string" || !writes.has(property)) return value;
      return (...args: unknown[]) => (full ? Promise.reject(new Error("database or disk is full")) : value.apply(target, args));
    },
  });
  return { store: wrapped, fill: () => (full = true), free: () => (full = false) };
}

test("SQLite disk full: /readyz says not ready and login answers 503 store_unavailable; both recover when writes work again", async () => {
  let disk: ReturnType<typeof diskThatFills> | undefined;
  const { log, events } = capturedLog();
  const server = await startTestServer({
    store: async (dataDir) => (disk = diskThatFills(await openSqliteStore(dataDir))).store,
    log,
  });
  defer(() => server.cleanup());
  await registerUser(server, "alice");
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

  disk!.fill();
  await expectStoreUnavailable(await post(`${server.url}/api/login`, { name: "alice", password: TEST_PASSWORD }));
  await expectStoreUnavailable(await post(`${server.url}/api/register`, { name: "bob", password: TEST_PASSWORD }));
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ready: false, checks: { store: "unreachable" } });
  expect(events().filter((event) => event.event === "unexpected error")).toEqual([]);

  disk!.free();
  expect((await post(`${server.url}/api/login`, { name: "alice", password: TEST_PASSWORD })).status).toBe(200);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
});
