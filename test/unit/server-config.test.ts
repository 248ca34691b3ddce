import { describe, expect, test } from "bun:test";
import { ConfigError, parseServerArgs, serverUsage } from "../../src/server/config.ts";
import { isTrusted } from "../../src/server/proxy-trust.ts";

const configOf = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseServerArgs(argv, env);
  if (parsed.kind !== "run") throw new Error(`unexpected ${parsed.kind}`);
  return parsed.config;
};

describe("server options", () => {
  test("defaults: port 8080 on every address, data in ./data", () => {
    expect(configOf([])).toMatchObject({ port: 8080, host: "0.0.0.0", dataDir: "./data", retentionDays: 30 });
  });
  test("a flag wins over its environment variable, which wins over the default", () => {
    expect(configOf([], { PORT: "9000" }).port).toBe(9000);
    expect(configOf(["--port", "9001"], { PORT: "9000" }).port).toBe(9001);
    expect(configOf(["--data", "/tmp/x"], { CHAT_DATA_DIR: "/tmp/y" }).dataDir).toBe("/tmp/x");
    expect(configOf([], { CHAT_DATA_DIR: "/tmp/y" }).dataDir).toBe("/tmp/y");
  });
  test.each([
    [["--port", "http"], "--port"],
    [["--port", "70000"], "--port"],
    [["--retention-days", "-1"], "--retention-days"],
    [["--max-frame-bytes", "10"], "--max-frame-bytes"],
    [["--log-format", "xml"], "--log-format"],
    [["--log-level", "chatty"], "--log-level"],
    [["--max-devices", "0"], "--max-devices"],
    [["--dead-after-seconds", "0"], "--dead-after-seconds"],
    [["--user-message-rate", "-1"], "--user-message-rate"],
    [["--tls-cert", "/no/such/cert.pem", "--tls-key", "/no/such/key.pem"], "--tls-cert"],
  ])("a bad value stops it with a sentence naming the option: %j", (argv, option) => {
    expect(() => parseServerArgs(argv, {})).toThrow(ConfigError);
    expect(() => parseServerArgs(argv, {})).toThrow(option);
  });
  test("limits, logging and TLS have documented defaults", () => {
    expect(configOf([])).toMatchObject({
      tls: undefined,
      logFormat: "human",
      logLevel: "info",
      maxDevices: 10,
      maxBufferedBytes: 8 * 1024 * 1024,
      deadAfterSeconds: 60,
      loginFailures: 5,
      authAttemptsPerMinute: 30,
    });
    expect(configOf(["--log-format", "json"], { CHAT_LOG_LEVEL: "debug" })).toMatchObject({ logFormat: "json", logLevel: "debug" });
  });
  test("TLS needs both the certificate and the key", () => {
    expect(() => parseServerArgs(["--tls-cert", import.meta.path], {})).toThrow("both --tls-cert");
    expect(configOf(["--tls-cert", import.meta.path, "--tls-key", import.meta.path]).tls).toEqual({ cert: import.meta.path, key: import.meta.path });
  });
  test("a bad value is named where it was written: the flag, or the variable", () => {
    expect(() => parseServerArgs(["--port", "abc"], { PORT: "9000" })).toThrow('Invalid --port "abc": ');
    expect(() => parseServerArgs([], { PORT: "abc" })).toThrow('Invalid PORT="abc" (for --port): ');
  });
  test("an unknown flag is refused", () => {
    expect(() => parseServerArgs(["--prot", "1"], {})).toThrow("--prot");
  });
  test("--help lists every option with its variable", () => {
    expect(parseServerArgs(["--help"], {})).toEqual({ kind: "help" });
    expect(parseServerArgs(["--version"], {})).toEqual({ kind: "version" });
    for (const word of ["--port", "PORT", "--data", "CHAT_DATA_DIR", "--host", "HOST"]) expect(serverUsage()).toContain(word);
  });
});

describe("proxies and metrics", () => {
  test("by default no proxy is trusted and /metrics has neither a port of its own nor a token", () => {
    expect(configOf([])).toMatchObject({ trustProxy: [], metricsPort: undefined, metricsHost: "127.0.0.1", metricsToken: undefined });
  });
  test("--trust-proxy and CHAT_TRUST_PROXY take comma-separated IPv4 and IPv6 networks", () => {
    const { trustProxy } = configOf([], { CHAT_TRUST_PROXY: "127.0.0.1/32, fd00::/8" });
    expect(isTrusted("127.0.0.1", trustProxy)).toBe(true);
    expect(isTrusted("fd12::1", trustProxy)).toBe(true);
    expect(isTrusted("127.0.0.2", trustProxy)).toBe(false);
  });
  test("a bad network is refused with a sentence naming the option and the entry", () => {
    expect(() => parseServerArgs(["--trust-proxy", "127.0.0.1/32,10.0.0.0/33"], {})).toThrow(
      new ConfigError(`Invalid --trust-proxy "127.0.0.1/32,10.0.0.0/33": '10.0.0.0/33' has a prefix length outside 0 to 32.`),
    );
    expect(() => parseServerArgs([], { CHAT_TRUST_PROXY: "proxy.internal" })).toThrow(
      new ConfigError(`Invalid CHAT_TRUST_PROXY="proxy.internal" (for --trust-proxy): 'proxy.internal' is not an IPv4 or IPv6 address or network (such as 10.0.0.0/8 or fd00::/8).`),
    );
  });
  test("--metrics-port, --metrics-host and --metrics-token", () => {
    expect(configOf(["--metrics-port", "9464", "--metrics-host", "::1", "--metrics-token", "0123456789abcdef"])).toMatchObject({
      metricsPort: 9464,
      metricsHost: "::1",
      metricsToken: "0123456789abcdef",
    });
    expect(configOf([], { CHAT_METRICS_PORT: "0" }).metricsPort).toBe(0);
    expect(() => parseServerArgs(["--metrics-port", "http"], {})).toThrow('Invalid --metrics-port "http": a port from 0 to 65535, or empty for none.');
    expect(() => parseServerArgs(["--metrics-token", "short"], {})).toThrow('Invalid --metrics-token "short": 16 characters or more, without spaces.');
    expect(() => parseServerArgs(["--port", "9000", "--metrics-port", "9000"], {})).toThrow("--metrics-port (CHAT_METRICS_PORT) must differ from --port (PORT): both are 9000.");
  });
});

describe("secrets from files", () => {
  test("DATABASE_URL_FILE and REDIS_URL_FILE are read (without the trailing newline); the flag and the variable win over them", async () => {
    const dir = (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/chat-secret-`);
    await Bun.write(`${dir}/db`, "postgres://chat:s3cret@db/chat\n");
    await Bun.write(`${dir}/redis`, "redis://:s3cret@cache:6379");
    expect(configOf([], { DATABASE_URL_FILE: `${dir}/db`, REDIS_URL_FILE: `${dir}/redis` })).toMatchObject({
      databaseUrl: "postgres://chat:s3cret@db/chat",
      redisUrl: "redis://:s3cret@cache:6379",
    });
    expect(configOf([], { DATABASE_URL: "postgres://env/chat", DATABASE_URL_FILE: `${dir}/db` }).databaseUrl).toBe("postgres://env/chat");
    expect(configOf(["--database-url", "postgres://flag/chat"], { DATABASE_URL_FILE: `${dir}/db` }).databaseUrl).toBe("postgres://flag/chat");
    expect(() => configOf([], { DATABASE_URL_FILE: `${dir}/none` })).toThrow(new ConfigError(`Cannot read DATABASE_URL_FILE="${dir}/none": no such file.`));
  });

  test("CHAT_METRICS_TOKEN_FILE holds the metrics token; a bad one is named by the file, not shown", async () => {
    const dir = (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/chat-secret-`);
    await Bun.write(`${dir}/token`, "a-long-enough-metrics-token\n");
    await Bun.write(`${dir}/short`, "short\n");
    expect(configOf([], { CHAT_METRICS_TOKEN_FILE: `${dir}/token` }).metricsToken).toBe("a-long-enough-metrics-token");
    expect(() => configOf([], { CHAT_METRICS_TOKEN_FILE: `${dir}/short` })).toThrow(
      new ConfigError(`Invalid CHAT_METRICS_TOKEN_FILE="${dir}/short" (for --metrics-token): 16 characters or more, without spaces.`),
    );
  });

  test("CHAT_TLS_KEY_FILE names the key file like CHAT_TLS_KEY", () => {
    expect(configOf([], { CHAT_TLS_CERT: import.meta.path, CHAT_TLS_KEY_FILE: import.meta.path }).tls).toEqual({ cert: import.meta.path, key: import.meta.path });
  });
});
