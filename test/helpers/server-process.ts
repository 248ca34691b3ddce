import type { Subprocess } from "bun";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

export interface ServerProcess {
  port: number;
  url: string;
  wsUrl: string;
  /** Sends the signal (SIGKILL: a crash) and resolves with the exit code or signal. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Sends a signal and returns at once: SIGSTOP freezes the server with its connections open, SIGCONT thaws it. */
  signal(signal: NodeJS.Signals): void;
}

/**
 * The server as its own process (`bun src/server/main.ts`), for what only a
 * process can show: kill -9. Resolves once it printed `Server starting on :N`.
 * It binds a free port itself (port 0) and reports it; a restart passes the
 * port it had, so its clients find it where it was.
 */
export async function startServerProcess(args: string[], env: Record<string, string> = {}, port = 0): Promise<ServerProcess> {
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    [process.execPath, join(ROOT, "src/server/main.ts"), "--port", String(port), "--host", "127.0.0.1", ...args],
    { cwd: ROOT, env: { ...process.env, CHAT_LOG_LEVEL: "error", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const stderr = new Response(child.stderr).text();
  const started = (async () => {
    const decoder = new TextDecoder();
    let seen = "";
    for await (const chunk of child.stdout) {
      seen += decoder.decode(chunk, { stream: true });
      const announced = /Server starting on :(\d+)/.exec(seen);
      if (announced) return Number(announced[1]);
    }
    throw new Error(`chat-server exited before it started: ${await stderr}`);
  })();
  const bound = await started;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    wsUrl: `ws://127.0.0.1:${bound}/ws`,
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(signal = "SIGTERM") {
      // A frozen server would never act on SIGTERM.
      if (child.exitCode === null && child.signalCode === null && signal !== "SIGKILL") child.kill("SIGCONT");
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await child.exited;
      return child.exitCode;
    },
  };
}
