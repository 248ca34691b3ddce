import { SQL } from "bun";
import { ChatError } from "../protocol/index.ts";
import { WRITE_METHODS } from "./sqlite/writer-protocol.ts";

/** What a client is told to wait before trying again when the store cannot be used. */
export const STORE_RETRY_AFTER_MS = 5000;

/** Bun's own codes for a PostgreSQL connection that could not be made or was lost. */
const POSTGRES_CONNECTION_CODES = /^ERR_POSTGRES_(CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT|SERVER_CLOSED)/;

/**
 * SQLSTATEs of a server that cannot serve now, whatever the statement:
 * class 08 (connection exception), 53 (insufficient resources: disk full, out
 * of memory, too many connections), 57P01–57P03 (shutting down, crashed,
 * starting up), 58030 (I/O error).
 */
const POSTGRES_UNAVAILABLE_STATES = /^(08|53|57P0[123]$|58030$)/;

/** System error codes of a socket to the database that failed. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * SQLite's own messages (sqlite3_errstr) for a database that cannot be written
 * or read just now. The writer thread hands errors back as Error(message), so
 * the message is what is left of the result code.
 */
const SQLITE_UNAVAILABLE_MESSAGES = [
  "database or disk is full", // SQLITE_FULL
  "attempt to write a readonly database", // SQLITE_READONLY
  "disk I/O error", // SQLITE_IOERR
  "unable to open database file", // SQLITE_CANTOPEN
  "database is locked", // SQLITE_BUSY, after the busy timeout
];

/** SQLite's result codes for the same, on errors raised in this thread (bun:sqlite's SQLiteError). */
const SQLITE_UNAVAILABLE_CODES = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY)/;

/** The threaded SQLite store's own failures: its writer thread died, or the store was closed (shutdown). */
const SQLITE_STORE_GONE = /^The SQLite (writer thread failed|store is closed)/;

/** Whether `error` says the store cannot be used now (a database down or unreachable, a full or read-only disk), not that a request was wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof SQL.PostgresError) {
    return POSTGRES_CONNECTION_CODES.test(error.code) || (error.errno !== undefined && POSTGRES_UNAVAILABLE_STATES.test(error.errno));
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || SQLITE_UNAVAILABLE_CODES.test(code))) return true;
  return SQLITE_STORE_GONE.test(error.message) || SQLITE_UNAVAILABLE_MESSAGES.some((known) => error.message.includes(known));
}

/**
 * `error` as the client-facing `store_unavailable` (HTTP 503 with Retry-After)
 * when it says the store cannot be used now; undefined for anything else.
 * The one place that knows the drivers' ways of saying so.
 */
export function storeUnavailable(error: unknown): ChatError | undefined {
  if (!isStoreUnavailable(error)) return undefined;
  const unavailable = new ChatError("store_unavailable", "The server cannot use its database just now; nothing was changed. Try again shortly.", STORE_RETRY_AFTER_MS);
  unavailable.cause = error;
  return unavailable;
}

/** The Store methods that write (the SQLite writer thread's list, less its ping): one that succeeds shows the store can write. */
export const STORE_WRITE_METHODS: readonly string[] = WRITE_METHODS.filter((method) => method !== "ping");
