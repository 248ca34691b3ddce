import { ConfigError, parseServerArgs, serverUsage } from "./config.ts";
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
  if (args.help) {
    console.log(serverUsage());
    return 0;
  }
  const { config } = args;
  const log = createLogger({ format: config.logFormat, level: config.logLevel });
  const { drivers, closeShared } = await openDrivers(config);
  const server = await startChatServer(config, drivers, log);
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

process.exit(await main());
