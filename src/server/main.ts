import { versionLine } from "../version.ts";
import { ConfigError, parseServerArgs, type ServerConfig, serverUsage } from "./config.ts";
import { openDrivers } from "./drivers.ts";
import { createLogger } from "./log.ts";
import { startChatServer } from "./server.ts";

/** Entry point of ./chat-server. */
async function main(): Promise<number> {
  let args;
  try {
    args = parseServerArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`chat-server: ${error.message}`);
    return 2;
  }
  if (args.kind === "help") {
    console.log(serverUsage());
    return 0;
  }
  if (args.kind === "version") {
    console.log(versionLine("chat-server"));
    return 0;
  }
  const { config } = args;
  const log = createLogger({ format: config.logFormat, level: config.logLevel });
  const { drivers, closeShared } = await openDrivers(config);
  let server;
  try {
    server = await startChatServer(config, drivers, log);
  } catch (error) {
    const sentence = cannotListen(error, config);
    if (sentence === undefined) throw error;
    console.error(`chat-server: ${sentence}`);
    await Promise.allSettled([drivers.bus.close(), drivers.store.close(), closeShared()]);
    return 1;
  }
  // Logs go to standard error; this line on standard output is for people and scripts waiting for the port.
  console.log(`Server starting on :${server.port}`);

  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    // The shared registry closes after the server has counted its devices out.
    server.stop().then(closeShared).then(
      () => {
        log.info("stopped");
        resolve(0);
      },
      (error) => {
        log.error("shutdown failed", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        resolve(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  return stopped;
}

/** One sentence for an address the server cannot listen on, instead of the runtime's stack trace; undefined for other errors. */
function cannotListen(error: unknown, { host, port }: ServerConfig): string | undefined {
  switch ((error as { code?: unknown })?.code) {
    case "EADDRINUSE":
      return `port ${port} on ${host} is already in use (is another chat-server running?); choose another with --port or PORT.`;
    case "EADDRNOTAVAIL":
      return `${host} is not an address of this machine; choose another with --host or HOST.`;
    case "EACCES":
      return `no permission to listen on port ${port}; choose a port above 1023 with --port or PORT.`;
    default:
      return undefined;
  }
}

process.exit(await main());
