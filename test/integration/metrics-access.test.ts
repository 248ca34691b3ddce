/**
 * Who may read /metrics: by default only a client on the server's own machine, not through a proxy; with
 * --metrics-port only that listener serves it (the main port answers 404 saying where it went); with
 * --metrics-token only a request with that bearer token, wherever it is served. The outside peer is this
 * machine's own non-loopback address.
 */
import { describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import type { ServerConfig } from "../../src/server/config.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { OUTSIDE_ADDRESS } from "../helpers/outside-address.ts";
import { parseMetrics } from "../helpers/metrics.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const TOKEN = "s3cret-metrics-token-for-tests";

const defer = cleanupAfterEach();

async function server(config: Partial<ServerConfig>): Promise<TestServer> {
  const started = await startTestServer({ config });
  defer(() => started.cleanup());
  return started;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; code?: string; message?: string; samples?: Map<string, number> }> {
  const response = await fetch(url, { headers });
  if (response.ok) return { status: response.status, samples: parseMetrics(await response.text()) };
  const { code, message } = ErrorBody.parse(await response.json()).error;
  return { status: response.status, code, message };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("by default", () => {
  test("a client on this machine reads /metrics on the main port", async () => {
    const chat = await server({});
    const answer = await scrape(`${chat.url}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.samples!.get("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  test("a request forwarded by a proxy on this machine is refused, with the way to open it", async () => {
    const chat = await server({});
    for (const header of [{ "x-forwarded-for": "203.0.113.9" }, { forwarded: "for=203.0.113.9" }] as Array<Record<string, string>>) {
      expect(await scrape(`${chat.url}/metrics`, header)).toEqual({
        status: 403,
        code: "forbidden",
        message: "/metrics answers only on this machine; to scrape it from elsewhere, set --metrics-token or --metrics-port.",
      });
    }
  });

  test.skipIf(OUTSIDE_ADDRESS === undefined)("a client from another address is refused, also naming loopback in a forged header", async () => {
    const chat = await server({ host: "0.0.0.0" });
    const outside = `${chat.url.replace("127.0.0.1", OUTSIDE_ADDRESS!)}/metrics`;
    expect(await scrape(outside)).toMatchObject({ status: 403, code: "forbidden" });
    expect(await scrape(outside, { "x-forwarded-for": "127.0.0.1" })).toMatchObject({ status: 403, code: "forbidden" });
    // The rest of the server answers it as before.
    expect((await fetch(outside.replace("/metrics", "/healthz"))).status).toBe(200);
  });
});

describe("--metrics-port", () => {
  test("serves /metrics there and nothing else; the main port answers 404 saying where it went", async () => {
    const chat = await server({ metricsPort: 0 });
    expect(chat.metricsUrl).toBeDefined();
    const answer = await scrape(chat.metricsUrl!);
    expect(answer.status).toBe(200);
    expect([...answer.samples!.keys()].some((series) => series.startsWith("chat_build_info{"))).toBe(true);
    expect(await scrape(`${chat.url}/metrics`)).toEqual({
      status: 404,
      code: "not_found",
      message: "/metrics is served on the metrics port (--metrics-port), not on this one.",
    });
    expect(await scrape(chat.metricsUrl!.replace("/metrics", "/healthz"))).toMatchObject({ status: 404, code: "not_found" });
    expect((await fetch(chat.metricsUrl!, { method: "POST" })).status).toBe(404);
  });

  test("with --metrics-token, the metrics port needs the token too", async () => {
    const chat = await server({ metricsPort: 0, metricsToken: TOKEN });
    expect(await scrape(chat.metricsUrl!)).toMatchObject({ status: 401, code: "unauthorized" });
    expect(await scrape(chat.metricsUrl!, bearer(`${TOKEN}x`))).toMatchObject({ status: 401, code: "unauthorized" });
    expect((await scrape(chat.metricsUrl!, bearer(TOKEN))).status).toBe(200);
  });
});

describe("--metrics-token", () => {
  test("/metrics on the main port needs 'Authorization: Bearer <token>', from this machine too", async () => {
    const chat = await server({ metricsToken: TOKEN });
    const refused = {
      status: 401,
      code: "unauthorized",
      message: "/metrics needs 'Authorization: Bearer <token>' with the token of --metrics-token.",
    };
    expect(await scrape(`${chat.url}/metrics`)).toEqual(refused);
    expect(await scrape(`${chat.url}/metrics`, bearer(TOKEN.slice(0, -1)))).toEqual(refused);
    expect(await scrape(`${chat.url}/metrics`, { authorization: `Basic ${btoa(`x:${TOKEN}`)}` })).toEqual(refused);
    expect((await scrape(`${chat.url}/metrics`, bearer(TOKEN))).status).toBe(200);
  });

  test.skipIf(OUTSIDE_ADDRESS === undefined)("the token lets a scraper on another machine in", async () => {
    const chat = await server({ host: "0.0.0.0", metricsToken: TOKEN });
    const outside = `${chat.url.replace("127.0.0.1", OUTSIDE_ADDRESS!)}/metrics`;
    expect(await scrape(outside)).toMatchObject({ status: 401, code: "unauthorized" });
    expect((await scrape(outside, bearer(TOKEN))).status).toBe(200);
  });
});
