import { SQL } from "bun";
// The tests' helper: the bench leaves the shared Redis as it found it in the same way.
import { deleteKeysWithPrefix } from "../test/helpers/redis-keys.ts";

/**
 * A place of its own in the machine's PostgreSQL and Redis for one
 * scale-out run: a fresh schema and key prefix, removed afterwards, so bench
 * runs and tests sharing those services never see each other's data.
 */

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface SharedServices {
  /** The app's options that point it at this schema and prefix. */
  readonly serverArgs: readonly string[];
  /** Drops the schema and deletes every key under the prefix. */
  remove(): Promise<void>;
}

export function freshSharedServices(): SharedServices {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const schema = `bench_${id}`;
  const redisPrefix = `bench-${id}:`;
  return {
    serverArgs: ["--database-url", DATABASE_URL, "--database-schema", schema, "--redis-url", REDIS_URL, "--redis-prefix", redisPrefix],
    async remove() {
      await Promise.all([dropSchema(schema), deleteKeysWithPrefix(REDIS_URL, redisPrefix)]);
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const sql = new SQL(DATABASE_URL);
  try {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  } finally {
    await sql.close();
  }
}
