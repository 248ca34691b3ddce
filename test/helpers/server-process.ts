import type { Subprocess } from "bun";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.ts";

const ROOT = resolve(import.meta.dir, "../..");

export interface ServerProcess {
  port: number;
  url: string;
  wsUrl: string;
  /** Sends the signal (SIGKILL: a crash) and resolves with the exit code or signal. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The server as its own process (`bun src/server/main.ts`), for what only a
 * process can show: kill -9. Resolves once it printed `Server starting on :N`.
 */
export async function startServerProcess(args: string[], env: Record<string, string> = {}, port = freePort()): Promise<ServerProcess> {
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
      if (seen.includes(`Server starting on :${port}`)) return;
    }
    throw new Error(`chat-server exited before it started: ${await stderr}`);
  })();
  await started;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await child.exited;
      return child.exitCode;
    },
  };
}
