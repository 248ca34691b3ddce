/**
 * `chat-server backup <file>` and `chat-server restore <file>`: a consistent copy of the SQLite store,
 * taken while a server may be writing to it, and its return into an empty data directory.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, copyFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { SQLITE_FILE_NAME } from "../store/sqlite/index.ts";
import { MIGRATIONS } from "../store/sqlite/schema.ts";
import { StartFailure } from "./start-failures.ts";

/** How long the copy waits for a writer's lock (a checkpoint) before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

const POSTGRES_SENTENCE =
  "backup and restore copy the SQLite store; with --database-url or DATABASE_URL use pg_dump and pg_restore (see docs/deploy.md).";

export interface BackupResult {
  file: string;
  messages: number;
  bytes: number;
}

/**
 * Copies the store in `dataDir` to `file` with `VACUUM INTO`: one read transaction, so the copy holds
 * exactly the commits made before it began, while the server (a separate process) goes on writing beside
 * it through WAL. Written to `<file>.partial` and renamed, so `file` is never half a backup.
 */
export function backupSqlite(dataDir: string, file: string, usesPostgres: boolean): BackupResult {
  if (usesPostgres) throw new StartFailure(POSTGRES_SENTENCE);
  const source = join(dataDir, SQLITE_FILE_NAME);
  if (!existsSync(source)) {
    throw new StartFailure(`there is no database at ${source} to back up; name the server's data directory with --data or CHAT_DATA_DIR.`);
  }
  const target = resolve(file);
  if (existsSync(target)) throw new StartFailure(`${target} already exists; name a new file for the backup, or remove that one first.`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  let db: Database | undefined;
  try {
    // Read-write only so that SQLite may use the WAL index beside the running server; nothing is written.
    db = new Database(source, { readwrite: true, create: false });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.query("VACUUM INTO ?1").run(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new StartFailure(`the backup of ${source} to ${target} failed (${(error as Error).message}); check the space and permissions there.`);
  } finally {
    db?.close();
  }
  const messages = checkChatDatabase(partial, "the backup just written").messages;
  renameSync(partial, target);
  return { file: target, messages, bytes: statSync(target).size };
}

/** Puts the backup `file` into `dataDir`, which must be empty or not exist yet. */
export function restoreSqlite(file: string, dataDir: string, usesPostgres: boolean): BackupResult {
  if (usesPostgres) throw new StartFailure(POSTGRES_SENTENCE);
  const source = resolve(file);
  if (!existsSync(source)) throw new StartFailure(`there is no backup at ${source}; name the file made by chat-server backup.`);
  const { messages } = checkChatDatabase(source, source);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new StartFailure(`the data directory ${dataDir} is not empty; restore into a new or empty directory with --data or CHAT_DATA_DIR (the server there must be stopped).`);
  }
  const target = join(dataDir, SQLITE_FILE_NAME);
  const partial = `${target}.partial`;
  try {
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(source, partial);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new StartFailure(`restoring into ${dataDir} failed (${(error as Error).message}); check the space and permissions there, or choose another with --data or CHAT_DATA_DIR.`);
  }
  return { file: target, messages, bytes: statSync(target).size };
}

/** Opens `path` read-only and checks it is a whole chat database this release can open; counts its messages. */
function checkChatDatabase(path: string, what: string): { messages: number } {
  let db: Database | undefined;
  try {
    db = new Database(path, { readonly: true });
    const check = db.query("PRAGMA quick_check").get() as { quick_check: string };
    const { user_version: version } = db.query("PRAGMA user_version").get() as { user_version: number };
    if (check.quick_check !== "ok") throw new StartFailure(`${what} is damaged (${check.quick_check}); take another backup.`);
    if (version === 0) throw new StartFailure(`${what} is not a chat database; name a file made by chat-server backup.`);
    if (version > MIGRATIONS.length) {
      throw new StartFailure(`${what} is at schema version ${version}, newer than this chat-server knows (${MIGRATIONS.length}); restore it with the newer release.`);
    }
    const table = version >= 4 ? "events WHERE kind = 'message'" : "messages";
    const { count } = db.query(`SELECT count(*) AS count FROM ${table}`).get() as { count: number };
    return { messages: count };
  } catch (error) {
    if (error instanceof StartFailure) throw error;
    throw new StartFailure(`${what} is not a chat database (${(error as Error).message}); name a file made by chat-server backup.`);
  } finally {
    db?.close();
  }
}
