import { afterAll, afterEach, beforeAll } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

/** End-to-end helpers: the compiled binaries, run as a user would run them. */

export const ROOT = resolve(import.meta.dir, "../..");
export const SERVER_BINARY = join(ROOT, "chat-server");
export const CLIENT_BINARY = join(ROOT, "chat-client");
export const PASSWORD = "correct horse battery staple";
const WAIT_MS = 15_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function modified(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

let build: Promise<void> | undefined;

/** Runs `bun run build` once per test run, unless both binaries are newer than every source file and the dependencies. */
export function ensureBinaries(): Promise<void> {
  build ??= (async () => {
    const sources = Math.max(newestSource(join(ROOT, "src")), modified(join(ROOT, "package.json")), modified(join(ROOT, "bun.lock")));
    if (Math.min(modified(SERVER_BINARY), modified(CLIENT_BINARY)) > sources) return;
    const result = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`bun run build failed:\n${result.stderr.toString()}`);
  })();
  return build;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Collects a stream's text line by line; `line(pattern)` waits for a matching line, failing after a bound. */
export class LineCollector {
  readonly lines: string[] = [];
  private partial = "";
  private waiters = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.push(decoder.decode(chunk, { stream: true }));
      if (this.partial) this.push("\n");
    })();
  }

  get text(): string {
    return this.lines.join("\n");
  }

  line(pattern: RegExp | string, timeoutMs = WAIT_MS): Promise<string> {
    const find = () => this.lines.find((line) => (typeof pattern === "string" ? line.includes(pattern) : pattern.test(line)));
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = find();
        if (match === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(match);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got:\n${this.text}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private push(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface ServerProcess {
  port: number;
  url: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** The server's log (standard error), line by line. */
  stderr: LineCollector;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts `./chat-server --port N --data DIR [args]` and waits for `Server starting on :N`. Without a
 * port it binds a free one itself (port 0) and reports it; a restart passes the port it had.
 */
export async function startServerBinary(dataDir: string, port = 0, args: string[] = []): Promise<ServerProcess> {
  const process = Bun.spawn([SERVER_BINARY, "--port", String(port), "--data", dataDir, "--host", "127.0.0.1", ...args], {
    cwd: dataDir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = new LineCollector(process.stdout);
  const stderr = new LineCollector(process.stderr);
  const announced = await Promise.race([
    stdout.line(/Server starting on :\d+/),
    process.exited.then((code): never => {
      throw new Error(`chat-server exited with ${code}: ${stderr.text}`);
    }),
  ]);
  const bound = Number(/:(\d+)/.exec(announced)![1]);
  return {
    port: bound,
    url: `${args.includes("--tls-cert") ? "https" : "http"}://127.0.0.1:${bound}`,
    process,
    stderr,
    async stop(signal = "SIGTERM") {
      if (process.exitCode === null && process.signalCode === null) process.kill(signal);
      return process.exited;
    },
  };
}

export interface ClientProcess {
  process: Subprocess<"pipe", "pipe", "pipe">;
  stdout: LineCollector;
  stderr: LineCollector;
  /** Writes lines to the client's standard input. */
  type(...lines: string[]): void;
  /** Closes standard input (end of the script) and waits for the exit status. */
  finish(): Promise<number>;
}

export interface ClientEnvironment {
  server: { port: number };
  /** The client's HOME and XDG_CONFIG_HOME; its XDG_STATE_HOME is `stateHome(configHome)`. */
  configHome: string;
  password?: string;
  /** More of the client's environment (CHAT_NEW_PASSWORD, say). */
  env?: Record<string, string>;
}

/** The client's XDG_STATE_HOME: inside its home, and not the default ~/.local/state, so the variable is seen to count. */
export function stateHome(configHome: string): string {
  return join(configHome, "state");
}

function clientEnv(environment: ClientEnvironment): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: environment.configHome,
    XDG_CONFIG_HOME: environment.configHome,
    XDG_STATE_HOME: stateHome(environment.configHome),
    CHAT_SERVER: `127.0.0.1:${environment.server.port}`,
  };
  if (environment.password !== undefined) env.CHAT_PASSWORD = environment.password;
  return { ...env, ...environment.env };
}

/** Starts `./chat-client <name> [args]` in script mode (standard input is a pipe). */
export function startClient(name: string, environment: ClientEnvironment, args: string[] = []): ClientProcess {
  const process = Bun.spawn([CLIENT_BINARY, name, ...args], {
    env: clientEnv({ password: PASSWORD, ...environment }),
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = new LineCollector(process.stdout);
  const stderr = new LineCollector(process.stderr);
  return {
    process,
    stdout,
    stderr,
    type(...lines) {
      process.stdin.write(lines.map((line) => `${line}\n`).join(""));
      process.stdin.flush();
    },
    async finish() {
      process.stdin.end();
      const code = await process.exited;
      await Promise.all([stdout.done, stderr.done]);
      return code;
    },
  };
}

/** Runs the client with the given input to its end, like `printf '...' | chat-client name`. */
export async function runClient(
  name: string,
  environment: ClientEnvironment,
  input: string[],
  args: string[] = [],
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const client = startClient(name, environment, args);
  client.type(...input);
  const code = await client.finish();
  return { code, stdout: client.stdout.lines, stderr: client.stderr.lines };
}

/** A terminal for the interactive client: a tmux server of its own, one session per client. */
export class Terminal {
  private readonly socket = `chat-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  open(session: string, name: string, environment: ClientEnvironment): void {
    const env = Object.entries(clientEnv(environment)).map(([key, value]) => `${key}=${shellQuote(value)}`);
    // The pane stays open after the client exits, showing its exit status.
    const command = `env ${env.join(" ")} TERM=xterm-256color ${shellQuote(CLIENT_BINARY)} ${name}; echo "exited with $?"; sleep 60`;
    this.tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command);
  }

  /** Types text into the session; `enter` presses Enter after it. */
  keys(session: string, text: string, enter = false): void {
    this.tmux("send-keys", "-t", session, "-l", text);
    if (enter) this.tmux("send-keys", "-t", session, "Enter");
  }

  /** Presses keys by their tmux names: `Tab`, `Enter`, `C-c`, `M-1`. */
  press(session: string, ...keys: string[]): void {
    this.tmux("send-keys", "-t", session, ...keys);
  }

  /** Pastes text as a terminal does: wrapped in bracketed-paste markers when the program asked for them, line breaks as Enter. */
  paste(session: string, text: string): void {
    this.tmux("set-buffer", "--", text);
    this.tmux("paste-buffer", "-p", "-d", "-t", session);
  }

  screen(session: string): string[] {
    return this.tmux("capture-pane", "-p", "-t", session).split("\n");
  }

  /** Polls the screen (tmux has no change event) until `condition` holds, failing after a bound. */
  async waitFor(session: string, what: string, condition: (lines: string[]) => boolean, timeoutMs = WAIT_MS): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.screen(session);
      if (condition(lines)) return lines;
      if (Date.now() > deadline) throw new Error(`screen of ${session} never showed ${what}:\n${lines.join("\n")}`);
      await Bun.sleep(50);
    }
  }

  close(): void {
    Bun.spawnSync(["tmux", "-L", this.socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
  }

  private tmux(...args: string[]): string {
    const result = Bun.spawnSync(["tmux", "-L", this.socket, ...args], { stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr.toString()}`);
    return result.stdout.toString();
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function removeAll(dirs: string[]): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Whether any line of a screen contains `text`. */
export const shows = (text: string) => (lines: string[]) => lines.some((line) => line.includes(text));

/** The last line of a screen that is not blank: the prompt and what is typed on it. */
export const lastLine = (lines: string[]) => lines.filter((line) => line.trim() !== "").at(-1) ?? "";

/**
 * A test file of the interactive client: one server binary for the file, a tmux terminal, clients in
 * script mode, temp directories; each test's terminal sessions and clients end after it, the rest after the file.
 */
/** Runs `./chat-server <args>` (a subcommand, or a start meant to fail) to its end, without the test's environment. */
export async function runServerCommand(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([SERVER_BINARY, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

/**
 * What a script-mode test file starts and must stop: temp directories, clients and servers of its
 * own (a test may kill and restart one). `dir`, `client` and `server` register what they make.
 */
export function scriptSuite() {
  const dirs: string[] = [];
  const clients: ClientProcess[] = [];
  const servers: ServerProcess[] = [];
  beforeAll(() => ensureBinaries(), 120_000);
  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.process.kill();
      await client.process.exited;
    }
    await Promise.all(servers.splice(0).map((server) => server.stop("SIGKILL")));
  });
  afterAll(() => removeAll(dirs));
  const dir = (prefix: string) => {
    const created = tempDir(prefix);
    dirs.push(created);
    return created;
  };
  return {
    dir,
    client(...args: Parameters<typeof startClient>): ClientProcess {
      const started = startClient(...args);
      clients.push(started);
      return started;
    },
    async server(dataDir = dir("chat-e2e-data-"), port?: number, args: string[] = []): Promise<ServerProcess> {
      const started = await startServerBinary(dataDir, port, args);
      servers.push(started);
      return started;
    },
  };
}

export function terminalSuite() {
  const dirs: string[] = [];
  const clients: ClientProcess[] = [];
  const terminal = new Terminal();
  let server: ServerProcess | undefined;
  const dir = (prefix: string) => {
    const created = tempDir(prefix);
    dirs.push(created);
    return created;
  };
  beforeAll(async () => {
    await ensureBinaries();
    server = await startServerBinary(dir("chat-e2e-data-"));
  }, 120_000);
  afterEach(async () => {
    terminal.close();
    for (const client of clients.splice(0)) {
      client.process.kill();
      await client.process.exited;
    }
  });
  afterAll(async () => {
    await server?.stop();
    removeAll(dirs);
  });
  const suite = {
    terminal,
    dir,
    get server(): ServerProcess {
      if (!server) throw new Error("the server starts in beforeAll");
      return server;
    },
    /** Someone in script mode, connected, until the test ends. */
    async listener(name: string, args: string[] = []): Promise<ClientProcess> {
      const client = startClient(name, { server: suite.server, configHome: dir(`chat-e2e-${name}-`) }, args);
      clients.push(client);
      await client.stderr.line("connected");
      return client;
    },
    /** Registers `name` in script mode, sending `lines`; the config directory, for a terminal to use. */
    async registered(name: string, lines: string[] = []): Promise<string> {
      const home = dir(`chat-e2e-${name}-`);
      const result = await runClient(name, { server: suite.server, configHome: home }, lines);
      if (result.code !== 0) throw new Error(`registering ${name} failed: ${result.stderr.join("\n")}`);
      return home;
    },
    /** `name` in a terminal session of the same name, at the chat prompt. */
    async atThePrompt(name: string, home?: string, session = name): Promise<string[]> {
      terminal.open(session, name, { server: suite.server, configHome: home ?? (await suite.registered(name)) });
      return terminal.waitFor(session, "the chat prompt", (screen) => shows("Connected to")(screen) && lastLine(screen) === ">");
    },
  };
  return suite;
}
