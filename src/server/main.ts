import { createLocalBus } from "../bus/in-process.ts";
import { createRedisBus } from "../bus/redis.ts";
import { openPostgresStore } from "../store/postgres/postgres-store.ts";
import { openSqliteStore } from "../store/sqlite/index.ts";
import { ConfigError, parseServerArgs, serverUsage, type ServerConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startChatServer, type Drivers } from "./server.ts";

/** Entry point of ./chat-server: the only place that chooses drivers. */
async function openDrivers(config: ServerConfig): Promise<Drivers> {
  return {
    store: config.databaseUrl ? await openPostgresStore(config.databaseUrl) : openSqliteStore(config.dataDir),
    bus: config.redisUrl ? createRedisBus({ url: config.redisUrl, keyPrefix: config.redisPrefix }) : createLocalBus(),
  };
}

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
  const server = await startChatServer(config, await openDrivers(config), log);
  // Logs go to standard error; this line on standard output is for people and scripts waiting for the port.
  console.log(`Server starting on :${server.port}`);

  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    server.stop().then(
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
