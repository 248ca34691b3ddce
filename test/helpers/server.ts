import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalBus } from "../../src/bus/in-process.ts";
import type { Bus } from "../../src/bus/bus.ts";
import { Session } from "../../src/protocol/index.ts";
import { defaultServerConfig, type ServerConfig } from "../../src/server/config.ts";
import type { Logger } from "../../src/server/log.ts";
import type { OpenedDrivers } from "../../src/server/drivers.ts";
import { startChatServer } from "../../src/server/server.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import type { Store } from "../../src/store/store.ts";

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  /** The /metrics of --metrics-port, when the config sets one. */
  metricsUrl: string | undefined;
  dataDir: string;
  /** Stops the server; the data directory stays until `cleanup`. */
  stop(): Promise<void>;
  /** Stops the server (if running) and deletes its data directory. */
  cleanup(): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse a data directory (a restart); a fresh temp dir otherwise. */
  dataDir?: string;
  config?: Partial<ServerConfig>;
  store?: (dataDir: string) => Store | Promise<Store>;
  /** Opens the drivers from the configuration, as ./chat-server does (instead of `store` and `bus`). */
  openDrivers?: (config: ServerConfig) => Promise<OpenedDrivers>;
  bus?: () => Bus;
  /** Where the server's log lines go; by default errors only, to standard error. */
  log?: Logger;
}

/**
 * argon2id at its lowest cost: a fifth of a millisecond instead of tens per registration, which
 * the suite does hundreds of times. The compiled server in the e2e tests keeps the real cost.
 */
const CHEAP_ARGON2ID = (password: string) => Bun.password.hash(password, { algorithm: "argon2id", memoryCost: 256, timeCost: 1 });

export function tempDir(prefix = "chat-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real server on a free port (port 0) over a real SQLite file in a temp dir. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const config: ServerConfig = {
    ...defaultServerConfig(),
    // Tests log only what went wrong.
    logLevel: "error",
    port: 0,
    host: "127.0.0.1",
    dataDir,
    // Short settle times keep presence and group-receipt tests quick; they still exercise the coalescing.
    presenceSettleMs: 50,
    groupReceiptDelayMs: 50,
    ...options.config,
  };
  const opened: OpenedDrivers = options.openDrivers
    ? await options.openDrivers(config)
    : { drivers: { store: await (options.store ?? openSqliteStore)(dataDir), bus: (options.bus ?? createLocalBus)() }, closeShared: async () => {} };
  const server = await startChatServer(config, { ...opened.drivers, hashPassword: CHEAP_ARGON2ID }, options.log);
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await server.stop();
    await opened.closeShared();
  };
  return {
    url: `${config.tls ? "https" : "http"}://127.0.0.1:${server.port}`,
    wsUrl: `${config.tls ? "wss" : "ws"}://127.0.0.1:${server.port}/ws`,
    port: server.port,
    metricsUrl: server.metricsPort === undefined ? undefined : `http://127.0.0.1:${server.metricsPort}/metrics`,
    dataDir,
    stop,
    async cleanup() {
      await stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const TEST_PASSWORD = "correct horse battery staple";

async function postCredentials(server: { url: string }, path: string, name: string, password: string, device?: string): Promise<Session> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password, ...(device ? { device } : {}) }),
  });
  if (!response.ok) throw new Error(`${path} ${name}: ${response.status} ${await response.text()}`);
  return Session.parse(await response.json());
}

export function registerUser(server: { url: string }, name: string, password = TEST_PASSWORD, device?: string): Promise<Session> {
  return postCredentials(server, "/api/register", name, password, device);
}

/** Logs in again: a new device of the same user. */
export function loginUser(server: { url: string }, name: string, password = TEST_PASSWORD, device?: string): Promise<Session> {
  return postCredentials(server, "/api/login", name, password, device);
}
