import { afterEach, describe, expect, test } from "bun:test";
import { eventually } from "../helpers/eventually.ts";
import { createRedisBus } from "../../src/bus/redis.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";
import { startThrowawayPostgres } from "../helpers/throwaway-postgres.ts";
import { startThrowawayRedis } from "../helpers/throwaway-redis.ts";
import { parseMetrics } from "../helpers/metrics.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Every cleanup runs, even after one fails: a throwaway server left running would outlive the test run.
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

async function server(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const started = await startTestServer(...args);
  cleanups.push(() => started.cleanup());
  return started;
}

async function readiness(server: TestServer): Promise<{ status: number; body: { ready: boolean; checks: Record<string, string> } }> {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; checks: Record<string, string> } };
}

describe("health and readiness", () => {
  test("/healthz answers while the process is alive; /readyz when the store and bus answer", async () => {
    const chat = await server();
    const health = await fetch(`${chat.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");
    expect(await readiness(chat)).toEqual({ status: 200, body: { ready: true, checks: { store: "ok", bus: "ok" } } });
  });

  test("/readyz answers 503 naming the dependency while the store or the bus is down, and 200 again once it is back", async () => {
    const [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
    cleanups.push(() => postgres.destroy(), () => redis.stop());
    const store = await openPostgresStore(postgres.url);
    const chat = await server({ store: () => store, bus: () => createRedisBus({ url: redis.url }) });
    expect((await readiness(chat)).status).toBe(200);

    await redis.kill();
    expect(await readiness(chat)).toEqual({ status: 503, body: { ready: false, checks: { store: "ok", bus: "unreachable" } } });
    await postgres.stop();
    expect(await readiness(chat)).toEqual({ status: 503, body: { ready: false, checks: { store: "unreachable", bus: "unreachable" } } });
    // Liveness is not readiness: the process is fine.
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);

    await Promise.all([postgres.start(), redis.restart()]);
    // Both clients reconnect on their own; readiness follows without a restart of the chat server.
    const ready = await eventually("the server to be ready again", () => readiness(chat), (answer) => answer.status === 200, 15_000);
    expect(ready).toEqual({ status: 200, body: { ready: true, checks: { store: "ok", bus: "ok" } } });
  }, 60_000);
});

describe("metrics", () => {
  test("/metrics shows connections, devices, messages in and out, latencies and errors by code, in Prometheus text", async () => {
    const chat = await server();
    const alice = await registerUser(chat, "alice");
    const bob = await registerUser(chat, "bob");
    const aliceSocket = await TestSocket.connect(chat.wsUrl, alice.token);
    const bobSocket = await TestSocket.connect(chat.wsUrl, bob.token);
    cleanups.push(() => aliceSocket.close(), () => bobSocket.close());
    for (const text of ["one", "two", "three"]) await aliceSocket.sendMessage("bob", text);
    for (let i = 0; i < 3; i++) await bobSocket.nextMessage();
    const four = await aliceSocket.sendMessage("bob", "four");
    await bobSocket.nextMessage();
    // A retry with the same id stores nothing new and delivers nothing again.
    expect(await aliceSocket.sendMessage("bob", "four", four.id)).toEqual(four);
    aliceSocket.send("{not json");
    await aliceSocket.next((frame) => frame.type === "error");
    await fetch(`${chat.url}/no/such/page`);

    const response = await fetch(`${chat.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    for (const name of ["chat_connections", "chat_devices_connected", "chat_messages_in_total", "chat_delivery_seconds", "chat_store_seconds", "chat_errors_total"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    const samples = parseMetrics(text);
    expect(samples.get("chat_connections")).toBe(2);
    expect(samples.get("chat_devices_connected")).toBe(2);
    expect(samples.get("chat_messages_in_total")).toBe(4);
    expect(samples.get("chat_messages_out_total")).toBe(4);
    expect(samples.get("chat_delivery_seconds_count")).toBe(5);
    expect(samples.get('chat_delivery_seconds_bucket{le="+Inf"}')).toBe(5);
    expect(samples.get('chat_store_seconds_count{operation="appendEvents"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('chat_errors_total{code="bad_request"}')).toBe(1);
    expect(samples.get('chat_errors_total{code="not_found"}')).toBe(1);
    expect(samples.get("process_resident_memory_bytes")).toBeGreaterThan(0);
  });
});
