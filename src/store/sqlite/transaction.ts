import type { Database } from "bun:sqlite";

/**
 * Runs `work` in a transaction that takes the write lock at BEGIN (waiting up
 * to the busy timeout for another connection's), so it can never fail halfway
 * for a lock another writer took after it began reading.
 */
export function inWriteTransaction<T>(db: Database, work: () => T): T {
  return db.transaction(work).immediate();
}
