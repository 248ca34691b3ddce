import { SQL } from "bun";

/** SQLSTATEs after which the statement left nothing behind and running it again can succeed. */
const TRANSIENT_CONFLICTS = new Set([
  "40P01", // deadlock_detected: two writers locked the same rows in opposite orders
  "40001", // serialization_failure
]);
const UNIQUE_VIOLATION = "23505";
const MAX_ATTEMPTS = 5;

/** True when `error` is PostgreSQL refusing a row because `constraint` already holds its key. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return error instanceof SQL.PostgresError && error.errno === UNIQUE_VIOLATION && error.constraint === constraint;
}

/**
 * Runs one statement (or transaction) again when PostgreSQL aborted it because of a
 * concurrent writer; `alsoRetry` names further conflicts the caller resolves by rereading.
 * Anything else, a lost connection included, rejects at once: the caller decides.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, alsoRetry: (error: unknown) => boolean = () => false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const transient =
        (error instanceof SQL.PostgresError && error.errno !== undefined && TRANSIENT_CONFLICTS.has(error.errno)) || alsoRetry(error);
      if (!transient || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
