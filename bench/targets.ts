import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TargetName, TargetRef } from "./loadgen/job.ts";
import { freshSharedServices } from "./shared-services.ts";

/**
 * Starts and stops the servers under test: the app (on SQLite, or as one or
 * more servers on PostgreSQL and Redis) and the two relays, each a child
 * process on loopback.
 */

const ROOT = resolve(import.meta.dir, "..");
const NODE = process.env.BENCH_NODE ?? "/usr/bin/node";
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export const APP_ENTRY = join(ROOT, "src/server/main.ts");

/**
 * The app's abuse limits are off: the bench drives a handful of users far
 * harder than any person could, from one address. Everything else (storage,
 * validation, acks, logging at info) runs as shipped.
 */
export const APP_BENCH_FLAGS = [
  "--user-message-rate=0",
  "--connection-frame-rate=0",
  "--auth-attempts-per-minute=0",
  "--login-failures=0",
];

export interface TargetOptions {
  /** Run the app from the compiled `./chat-server` instead of its sources. */
  binary?: boolean;
  /** Let the load generator profile the app into this file (see profile/on-signal.ts). */
  profileFile?: string;
  /** Address to listen on (default 127.0.0.1); 0.0.0.0 takes connections on every 127.0.0.x (bench/capacity). */
  host?: string;
  /** Port to listen on instead of a free one (a restart on the same address). */
  port?: number;
  /** The app's data directory, kept after stopping (default: a fresh temporary one, removed). */
  dataDir?: string;
  /** More app flags, after the bench's (e.g. a shorter --dead-after-seconds). */
  appFlags?: readonly string[];
  /** How long the server may take to answer HTTP after it is spawned (default 20 s). */
  readyTimeoutMs?: number;
}

export interface RunningTarget {
  ref: TargetRef;
  /** The last lines the target printed, to explain a failure. */
  output(): string;
  stop(): Promise<void>;
}

/** Every child still running, so an interrupted run can still kill them. */
export const liveChildren = new Set<Bun.Subprocess>();

/** On Ctrl-C or SIGTERM, kills every child still running, then exits. */
export function killChildrenOnSignal(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      for (const child of liveChildren) child.kill("SIGKILL");
      process.exit(130);
    });
  }
}

export async function startTarget(name: TargetName, options: TargetOptions = {}): Promise<RunningTarget> {
  const ownData = name === "app" && !options.dataDir;
  const dataDir = name === "app" ? (options.dataDir ?? (await mkdtemp(join(tmpdir(), "chat-bench-")))) : null;
  const removeData = async () => {
    if (dataDir && ownData) await rm(dataDir, { recursive: true, force: true });
  };
  const env = options.profileFile ? { ...process.env, BENCH_PROFILE_FILE: options.profileFile } : process.env;
  let server: RunningServer;
  try {
    server = await startServer(name, (port) => commandFor(name, port, dataDir, options), env, options.port, options.readyTimeoutMs);
  } catch (error) {
    await removeData();
    throw error;
  }
  const ref: TargetRef = {
    name,
    protocol: name === "app" ? "app" : "relay",
    baseUrl: server.baseUrl,
    pid: server.pid,
    dataDir: dataDir ?? undefined,
    profileFile: options.profileFile,
  };
  return {
    ref,
    output: server.output,
    async stop() {
      await server.stop();
      await removeData();
    },
  };
}

/**
 * Starts `count` app servers, each on its own port, sharing a fresh
 * PostgreSQL schema and Redis key prefix (the cross-server scenario); stopping
 * them drops both. They start one after another, so one of them migrates the new schema.
 */
export async function startAppOnSharedServices(count: number, options: Pick<TargetOptions, "binary"> = {}): Promise<RunningTarget> {
  const services = freshSharedServices();
  const servers: RunningServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await services.remove();
  };
  try {
    for (let i = 0; i < count; i++) {
      servers.push(await startServer("app", (port) => appCommand(port, services.serverArgs, options), process.env));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const [first] = servers as [RunningServer];
  return {
    ref: {
      name: "app",
      protocol: "app",
      baseUrl: first.baseUrl,
      pid: first.pid,
      servers: servers.map(({ baseUrl, pid }) => ({ baseUrl, pid })),
      sharedServices: true,
    },
    output: () => servers.map((server, index) => `server ${index + 1}:\n${server.output()}`).join("\n"),
    stop,
  };
}

interface RunningServer {
  baseUrl: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns one server on a free port and waits until it answers HTTP. */
async function startServer(name: TargetName, commandOn: (port: number) => string[], env: Record<string, string | undefined>, fixedPort?: number, readyTimeoutMs = READY_TIMEOUT_MS): Promise<RunningServer> {
  const port = fixedPort ?? (await freePort());
  const command = commandOn(port);
  const child = Bun.spawn(command, { cwd: ROOT, env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  liveChildren.add(child);
  const tail = new OutputTail();
  tail.follow(child.stdout);
  tail.follow(child.stderr);

  const stop = async () => {
    child.stdin.end();
    child.kill("SIGTERM");
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(STOP_GRACE_MS).then(() => false)]);
    if (!exited) {
      child.kill("SIGKILL");
      await child.exited;
    }
    liveChildren.delete(child);
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(baseUrl, child, readyTimeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start (${command.join(" ")}): ${error instanceof Error ? error.message : error}\n${tail.text()}`);
  }
  return { baseUrl, pid: child.pid, output: () => tail.text(), stop };
}

function commandFor(name: TargetName, port: number, dataDir: string | null, options: TargetOptions): string[] {
  const host = options.host ?? "127.0.0.1";
  switch (name) {
    case "ceiling":
      return [process.execPath, "--no-orphans", "bench/baselines/ceiling.ts", "--port", String(port), "--host", host];
    case "peer":
      return [NODE, "bench/baselines/peer.mjs", "--port", String(port), "--host", host];
    case "app":
      return appCommand(port, ["--data", dataDir!], options);
  }
}

/** The app with its abuse limits off, on `storage` (its SQLite directory, or PostgreSQL and Redis). */
function appCommand(port: number, storage: readonly string[], options: TargetOptions): string[] {
  const args = ["--host", options.host ?? "127.0.0.1", "--port", String(port), ...storage, ...APP_BENCH_FLAGS, ...(options.appFlags ?? [])];
  if (options.binary) return [join(ROOT, "chat-server"), ...args];
  const profiling = options.profileFile ? ["--preload=./bench/profile/on-signal.ts"] : [];
  return [process.execPath, "--no-orphans", ...profiling, "run", APP_ENTRY, ...args];
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

async function waitUntilServing(baseUrl: string, child: Bun.Subprocess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await Bun.sleep(50);
    }
  }
  throw new Error(`nothing answered on ${baseUrl} within ${timeoutMs} ms`);
}

/** Keeps reading a child's output (a full pipe would stall it) and remembers the last lines. */
class OutputTail {
  private lines: string[] = [];

  follow(stream: ReadableStream<Uint8Array>): void {
    const decoder = new TextDecoder();
    void (async () => {
      for await (const chunk of stream) {
        this.lines.push(...decoder.decode(chunk, { stream: true }).split("\n").filter(Boolean));
        if (this.lines.length > 200) this.lines = this.lines.slice(-40);
      }
    })();
  }

  text(): string {
    return this.lines.slice(-40).join("\n");
  }
}
