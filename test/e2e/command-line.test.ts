import { afterAll, beforeAll, expect, test } from "bun:test";
import { CLIENT_BINARY, ensureBinaries, removeAll, SERVER_BINARY, type ServerProcess, startServerBinary, tempDir } from "./support.ts";

const dirs: string[] = [];
let server: ServerProcess | undefined;

beforeAll(() => ensureBinaries(), 120_000);
afterAll(async () => {
  await server?.stop();
  removeAll(dirs);
});

function run(binary: string, args: string[], cwd: string) {
  const result = Bun.spawnSync([binary, ...args], { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd }, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, stdout: result.stdout.toString().trim(), stderr: result.stderr.toString().trim() };
}

test("--version names the release and the commit each binary was built from", async () => {
  const { version } = await Bun.file(`${import.meta.dir}/../../package.json`).json();
  const cwd = tempDir("chat-e2e-version-");
  dirs.push(cwd);
  for (const [binary, program] of [[SERVER_BINARY, "chat-server"], [CLIENT_BINARY, "chat-client"]] as const) {
    const result = run(binary, ["--version"], cwd);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const line = new RegExp(`^${program} ${version.replaceAll(".", "\\.")} \\(commit ([0-9a-f]{12})(-dirty)?\\)$`).exec(result.stdout);
    expect(line).not.toBeNull();
    // The binaries may be older than HEAD (they are rebuilt when a source changes): a commit of this repository.
    expect(Bun.spawnSync(["git", "cat-file", "-e", `${line![1]}^{commit}`], { cwd: import.meta.dir }).exitCode).toBe(0);
  }
});

test("a port already in use stops the server with one sentence and status 1, and a bad --port names the flag", async () => {
  const data = tempDir("chat-e2e-port-");
  dirs.push(data);
  server = await startServerBinary(data);
  const second = run(SERVER_BINARY, ["--port", String(server.port), "--host", "127.0.0.1", "--data", data], data);
  expect(second).toEqual({
    code: 1,
    stdout: "",
    stderr: `chat-server: port ${server.port} on 127.0.0.1 is already in use (is another chat-server running?); choose another with --port or PORT.`,
  });
  expect(run(SERVER_BINARY, ["--port", "abc"], data)).toEqual({ code: 2, stdout: "", stderr: 'chat-server: Invalid --port "abc": not a number.' });
});

test("a bad --trust-proxy network and a metrics port in use each stop the server with one sentence", () => {
  const data = tempDir("chat-e2e-proxy-metrics-");
  dirs.push(data);
  expect(run(SERVER_BINARY, ["--trust-proxy", "127.0.0.1/32,10.0.0.0/33"], data)).toEqual({
    code: 2,
    stdout: "",
    stderr: `chat-server: Invalid --trust-proxy "127.0.0.1/32,10.0.0.0/33": '10.0.0.0/33' has a prefix length outside 0 to 32.`,
  });
  const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    expect(run(SERVER_BINARY, ["--port", "0", "--host", "127.0.0.1", "--data", data, "--metrics-port", String(taken.port)], data)).toEqual({
      code: 1,
      stdout: "",
      stderr: `chat-server: the metrics port 127.0.0.1:${taken.port} is already in use; choose another with --metrics-port or CHAT_METRICS_PORT.`,
    });
  } finally {
    taken.stop(true);
  }
});

test("the server logs its release at start, and /metrics has chat_build_info and the standard process metrics", async () => {
  const data = tempDir("chat-e2e-metrics-");
  dirs.push(data);
  const cwd = data;
  const commit = /\(commit ([0-9a-f]{12}(?:-dirty)?)\)/.exec(run(SERVER_BINARY, ["--version"], cwd).stdout)![1]!;
  const { version } = await Bun.file(`${import.meta.dir}/../../package.json`).json();
  const metricsServer = await startServerBinary(data);
  try {
    const text = await (await fetch(`${metricsServer.url}/metrics`)).text();
    expect(text).toContain(`chat_build_info{version="${version}",commit="${commit}"} 1`);
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds", "process_event_loop_lag_seconds"]) {
      const value = Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
      expect({ name, ok: Number.isFinite(value) && value >= 0 }).toEqual({ name, ok: true });
    }
    const started = Number(/^process_start_time_seconds (\S+)$/m.exec(text)![1]);
    expect(Math.abs(started - Date.now() / 1000)).toBeLessThan(60);
  } finally {
    await metricsServer.stop();
  }
  expect(metricsServer.stderr.text).toContain(`release version=${version} commit=${commit}`);
});
