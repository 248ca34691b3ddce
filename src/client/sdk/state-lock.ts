import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { type ClientFiles, StateFileError } from "./state-file.ts";

/**
 * Locks the state file of one server and user; while a file of an earlier version is still
 * there to be migrated, that one too, so a client of that version still running keeps it.
 * Returns the release function.
 */
export function lockClientFiles(files: ClientFiles): () => void {
  const release = lockStateFile(files.state);
  if (!existsSync(files.legacy)) return release;
  try {
    const releaseLegacy = lockStateFile(files.legacy);
    return () => {
      releaseLegacy();
      release();
    };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Makes sure only one client process uses a state file at a time: two processes sharing
 * cursors and an outbox would both print the same messages and race on the file.
 * A lock left by a process that no longer runs is taken over. Returns the release function.
 */
export function lockStateFile(statePath: string): () => void {
  const lockPath = `${statePath}.lock`;
  mkdirSync(dirname(statePath), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => removeQuietly(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new StateFileError(`Cannot create the lock file ${lockPath}: ${(error as Error).message}.`);
      }
    }
    const holder = Number.parseInt(readFileSafely(lockPath), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
      throw new StateFileError(
        `Another chat-client (process ${holder}) is already running for this account on this server, using ${statePath}; quit it first.`,
      );
    }
    removeQuietly(lockPath); // if another process took the stale lock over first, the next attempt finds out
  }
  throw new StateFileError(`Cannot take the lock ${lockPath}; another chat-client is starting for this account.`);
}

function readFileSafely(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
