import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { RedisClient } from "bun";
import type { ServerConfig } from "./config.ts";

/** A failure at start the operator can fix: its message is one sentence naming the cause and the option to change. */
export class StartFailure extends Error {}

/** Where a URL points, without its password: for sentences and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * Checks what the server can check before opening anything: the data directory can be written, the TLS
 * files can be read, Redis answers and accepts the credentials. Throws StartFailure.
 */
export async function checkBeforeStart(config: ServerConfig): Promise<void> {
  if (!config.databaseUrl) checkDataDir(config.dataDir);
  if (config.tls) {
    checkReadable(config.tls.cert, "--tls-cert or CHAT_TLS_CERT");
    checkReadable(config.tls.key, "--tls-key or CHAT_TLS_KEY (or CHAT_TLS_KEY_FILE)");
  }
  if (config.redisUrl) await checkRedis(config.redisUrl);
}

function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const option = "choose another with --data or CHAT_DATA_DIR.";
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new StartFailure(`no permission to write the data directory ${dir}; give the server's user access to it, or ${option}`);
    }
    if (code === "ENOTDIR" || code === "EEXIST") throw new StartFailure(`the data directory ${dir} is a file, or lies under one; ${option}`);
    throw new StartFailure(`cannot use the data directory ${dir} (${code ?? String(error)}); ${option}`);
  }
}

function checkReadable(path: string, option: string): void {
  try {
    readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" || code === "EPERM" ? "cannot be read (permission denied)" : `cannot be read (${code ?? String(error)})`;
    throw new StartFailure(`the TLS file ${path} ${why}; fix it or choose another with ${option}.`);
  }
}

const REDIS_CHECK_TIMEOUT_MS = 5000;

async function checkRedis(url: string): Promise<void> {
  const client = new RedisClient(url, { connectionTimeout: REDIS_CHECK_TIMEOUT_MS, autoReconnect: false, maxRetries: 0, enableOfflineQueue: false });
  const timeout = Promise.withResolvers<never>();
  const timer = setTimeout(() => timeout.reject(new Error("timed out")), REDIS_CHECK_TIMEOUT_MS);
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout.promise]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Bun's client says only "Connection closed" when AUTH fails: a port that accepts connections means Redis is
    // there and turned the credentials down.
    const refused = /NOAUTH|WRONGPASS|auth|password/i.test(message) || (await acceptsConnections(url));
    throw new StartFailure(
      refused
        ? `Redis at ${redactUrl(url)} refused the credentials; fix the user or password in --redis-url, REDIS_URL or REDIS_URL_FILE.`
        : `Redis at ${redactUrl(url)} is unreachable (${message}); start it or fix --redis-url, REDIS_URL or REDIS_URL_FILE.`,
    );
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** Whether something listens at the URL's host and port (a plain TCP connection, closed at once). */
async function acceptsConnections(url: string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const hostname = parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(parsed.port || 6379);
  const attempt = Bun.connect({ hostname, port, socket: { data() {}, error() {} } }).then(
    (socket) => {
      socket.end();
      return true;
    },
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), REDIS_CHECK_TIMEOUT_MS).unref());
  return Promise.race([attempt, timeout]);
}

/** One sentence for an error opening the store, or undefined when it is not one the operator can act on. */
export function storeFailure(error: unknown, config: ServerConfig): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as { code?: unknown })?.code ?? "");
  const errno = String((error as { errno?: unknown })?.errno ?? "");
  if (/newer than this server knows/.test(message)) {
    return config.databaseUrl ? `${message} (or choose another with --database-schema or CHAT_DATABASE_SCHEMA).` : `${message}.`;
  }
  if (config.databaseUrl) {
    const where = `PostgreSQL at ${redactUrl(config.databaseUrl)}`;
    const option = "--database-url, DATABASE_URL or DATABASE_URL_FILE";
    if (errno === "28P01" || errno === "28000" || /password authentication|authentication failed|role .* does not exist/i.test(message)) {
      return `${where} refused the credentials; fix the user or password in ${option}.`;
    }
    if (errno === "3D000") return `${where} has no such database; create it or fix ${option}.`;
    if (code.startsWith("ERR_POSTGRES") && /connect|connection|timeout/i.test(code + " " + message)) {
      return `${where} is unreachable (${message}); start it or fix ${option}.`;
    }
    return undefined;
  }
  if (/unable to open database|readonly|permission|EACCES/i.test(message)) {
    return `cannot open the database in ${config.dataDir} (${message}); give the server's user access to it, or choose another with --data or CHAT_DATA_DIR.`;
  }
  return undefined;
}
