import { describe, expect, test } from "bun:test";
import { createLogger, type LogFormat } from "../../src/server/log.ts";
import { MetricsRegistry } from "../../src/server/metrics.ts";

describe("metrics registry", () => {
  test("counters render one series per label set, with HELP and TYPE", () => {
    const registry = new MetricsRegistry();
    const errors = registry.counter("chat_errors_total", "Errors sent, by code.");
    errors.inc({ code: "bad_request" });
    errors.inc({ code: "bad_request" });
    errors.inc({ code: "rate_limited" }, 3);
    expect(registry.render()).toBe(
      [
        "# HELP chat_errors_total Errors sent, by code.",
        "# TYPE chat_errors_total counter",
        'chat_errors_total{code="bad_request"} 2',
        'chat_errors_total{code="rate_limited"} 3',
        "",
      ].join("\n"),
    );
  });

  test("gauges are read at scrape time", () => {
    const registry = new MetricsRegistry();
    let connections = 1;
    registry.gauge("chat_connections", "Open WebSocket connections.", () => connections);
    expect(registry.render()).toContain("\nchat_connections 1\n");
    connections = 7;
    expect(registry.render()).toContain("\nchat_connections 7\n");
  });

  test("histograms have cumulative buckets, +Inf, sum and count", () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram("chat_store_seconds", "Store calls.", [0.01, 0.1, 1]);
    for (const seconds of [0.005, 0.05, 0.05, 2]) latency.observe(seconds, { operation: "appendEvents" });
    expect(registry.render().split("\n").slice(2, 9)).toEqual([
      'chat_store_seconds_bucket{operation="appendEvents",le="0.01"} 1',
      'chat_store_seconds_bucket{operation="appendEvents",le="0.1"} 3',
      'chat_store_seconds_bucket{operation="appendEvents",le="1"} 3',
      'chat_store_seconds_bucket{operation="appendEvents",le="+Inf"} 4',
      'chat_store_seconds_sum{operation="appendEvents"} 2.105',
      'chat_store_seconds_count{operation="appendEvents"} 4',
      "",
    ]);
  });

  test("label values are escaped", () => {
    const registry = new MetricsRegistry();
    registry.counter("odd_total", "Odd labels.").inc({ value: 'a "quoted"\\ line\nbreak' });
    expect(registry.render()).toContain('odd_total{value="a \\"quoted\\"\\\\ line\\nbreak"} 1');
  });

  test("a bad or repeated name is a programming error, caught at start", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("bad-name", "x")).toThrow("not a valid metric name");
    registry.counter("twice_total", "x");
    expect(() => registry.counter("twice_total", "x")).toThrow("twice");
  });
});

describe("logger", () => {
  const at = () => new Date("2026-01-05T10:00:00.000Z");
  function capture(format: LogFormat, level: "debug" | "info" | "warn" | "error" = "info") {
    const lines: string[] = [];
    return { lines, log: createLogger({ format, level, write: (line) => lines.push(line), now: at }) };
  }

  test("human format: one line per event with key=value fields", () => {
    const { lines, log } = capture("human");
    log.info("connection opened", { user: "alice", device: 3, address: "127.0.0.1" });
    expect(lines).toEqual(["2026-01-05T10:00:00.000Z INFO connection opened user=alice device=3 address=127.0.0.1"]);
  });

  test("json format: one parseable object per line", () => {
    const { lines, log } = capture("json");
    log.warn("login refused", { user: "alice", code: "wrong_password" });
    expect(JSON.parse(lines[0]!)).toEqual({ time: "2026-01-05T10:00:00.000Z", level: "warn", event: "login refused", user: "alice", code: "wrong_password" });
  });

  test("events below the level are dropped", () => {
    const { lines, log } = capture("human", "warn");
    log.debug("noise");
    log.info("noise");
    log.error("store unreachable");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("ERROR store unreachable");
  });

  test("passwords, tokens and message texts are never written, in either format", () => {
    for (const format of ["human", "json"] as const) {
      const { lines, log } = capture(format);
      log.info("careless caller", { password: "hunter22", sessionToken: "Jq3secret", message_text: "love letter", authorization: "Bearer x", context: "kept" });
      const line = lines[0]!;
      for (const secret of ["hunter22", "Jq3secret", "love letter", "Bearer x"]) expect(line).not.toContain(secret);
      expect(line).toContain("kept");
    }
  });

  test("control characters and newlines in values cannot forge a second line", () => {
    const { lines, log } = capture("human");
    log.info("bad request", { path: "/x\n2026-01-05T10:00:00.000Z ERROR forged \u001b[31m" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(lines[0]).not.toContain("\u001b");
  });
});
