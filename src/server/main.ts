import { buildInfo, versionLine } from "../version.ts";
import { admin } from "./admin.ts";
import { backupSqlite, restoreSqlite } from "./backup.ts";
import { ConfigError, parseServerArgs, type ServerConfig, serverUsage } from "./config.ts";
import { openDrivers } from "./drivers.ts";
import { createLogger } from "./log.ts";
import { startChatServer } from "./server.ts";
import { checkBeforeStart, StartFailure, storeFailure } from "./start-failures.ts";

/** Entry point of ./chat-server. */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === "backup" || argv[0] === "restore") return backupOrRestore(argv[0], argv.slice(1));
  if (argv[0] === "admin") return admin(argv.slice(1), process.env);
  let args;
  try {
    args = parseServerArgs(argv, process.env);
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
  let opened;
  try {
    await checkBeforeStart(config);
    opened = await openDrivers(config);
  } catch (error) {
    const sentence = error instanceof StartFailure ? error.message : storeFailure(error, config);
    if (sentence === undefined) throw error;
    console.error(`chat-server: ${sentence}`);
    return 1;
  }
  const { drivers, closeShared } = opened;
  let server;
  try {
    server = await startChatServer(config, drivers, log);
  } catch (error) {
    const sentence = error instanceof StartFailure ? error.message : cannotListen(error, config);
    if (sentence === undefined) throw error;
    console.error(`chat-server: ${sentence}`);
    await Promise.allSettled([drivers.bus.close(), drivers.store.close(), closeShared()]);
    return 1;
  }
  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C: whoever pressed it does not want to wait for the clean stop.
      if (signal === "SIGINT") {
        log.warn("second SIGINT: exiting at once, without finishing the shutdown");
        process.exit(130);
      }
      return;
    }
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
  // Logged once listening, so a failure to start stays the one sentence on standard error.
  log.info("release", { ...buildInfo() });
  if (config.registration === "open" && !isLoopback(config.host)) {
    log.warn(
      `registration is open: anyone who can reach ${config.host}:${server.port} may create an account; on a network you do not trust, start with --registration invite (CHAT_REGISTRATION=invite) and hand out codes from 'chat-server admin invite'`,
    );
  }
  // Logs go to standard error; this line on standard output is for people and scripts waiting for the port
  // (announced after the signal handlers are in place, so a signal sent as soon as it appears is handled).
  console.log(`Server starting on :${server.port}`);
  return stopped;
}

/** `chat-server backup <file> [options]` and `chat-server restore <file> [options]`: the options name the data directory. */
function backupOrRestore(command: "backup" | "restore", argv: string[]): number {
  const [file, ...rest] = argv;
  let config: ServerConfig;
  try {
    if (file === undefined || file.startsWith("-")) {
      throw new ConfigError(`${command} needs a file: chat-server ${command} <file> [--data DIR].`);
    }
    const args = parseServerArgs(rest, process.env);
    if (args.kind !== "run") throw new ConfigError(`${command} takes only --data (or CHAT_DATA_DIR) after the file.`);
    config = args.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`chat-server: ${error.message}`);
    return 2;
  }
  try {
    if (command === "backup") {
      const result = backupSqlite(config.dataDir, file, config.databaseUrl !== undefined);
      console.log(`Backed up ${result.messages} messages (${result.bytes} bytes) to ${result.file}`);
    } else {
      const result = restoreSqlite(file, config.dataDir, config.databaseUrl !== undefined);
      console.log(`Restored ${result.messages} messages (${result.bytes} bytes) into ${result.file}`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof StartFailure)) throw error;
    console.error(`chat-server: ${error.message}`);
    return 1;
  }
}

/** Whether only this machine can reach the address. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
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
