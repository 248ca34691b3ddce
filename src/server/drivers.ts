import { createLocalBus } from "../bus/in-process.ts";
import { createRedisBus } from "../bus/redis.ts";
import { createRedisOnlineRegistry } from "../bus/redis-online-registry.ts";
import { createRedisRateLimiter } from "../bus/redis-rate-limiter.ts";
import { openPostgresStore } from "../store/postgres/postgres-store.ts";
import { postgresBlobStore } from "../store/blobs/postgres-blobs.ts";
import { s3BlobStore } from "../store/blobs/s3-blobs.ts";
import { openSqliteStore } from "../store/sqlite/threaded-store.ts";
import type { ServerConfig } from "./config.ts";
import type { Drivers } from "./server.ts";

export interface OpenedDrivers {
  drivers: Drivers;
  /** Closes what the server does not close itself (the shared registry and limiters); after the server stopped. */
  closeShared(): Promise<void>;
}

/**
 * The one place that chooses drivers from the configuration: SQLite and the
 * in-process bus for one machine (attachments as files beside the database); PostgreSQL
 * (attachments included, unless an S3 bucket keeps them), and Redis for messages, presence and limits, when several servers share the work.
 */
export async function openDrivers(
  config: Pick<ServerConfig, "dataDir" | "databaseUrl" | "databaseSchema" | "redisUrl" | "redisPrefix" | "attachmentsUrl">,
): Promise<OpenedDrivers> {
  const store = config.databaseUrl
    ? await openPostgresStore(config.databaseUrl, { schema: config.databaseSchema })
    : await openSqliteStore(config.dataDir);
  // Every server serves every attachment: with PostgreSQL, their bytes are kept there too, or in a bucket.
  const blobs = config.attachmentsUrl
    ? { blobs: s3BlobStore(config.attachmentsUrl) }
    : config.databaseUrl
      ? { blobs: postgresBlobStore(config.databaseUrl, config.databaseSchema) }
      : {};
  const { redisUrl: url, redisPrefix: keyPrefix } = config;
  if (!url) return { drivers: { store, bus: createLocalBus(), ...blobs }, closeShared: async () => {} };
  const online = createRedisOnlineRegistry({ url, keyPrefix });
  const limiters: Array<{ close(): Promise<void> }> = [];
  return {
    drivers: {
      store,
      ...blobs,
      bus: createRedisBus({ url, keyPrefix }),
      online,
      rateLimiter: (purpose, rate) => {
        const limiter = createRedisRateLimiter({ url, keyPrefix: `${keyPrefix}rate:${purpose}:`, rate });
        limiters.push(limiter);
        return limiter;
      },
    },
    async closeShared() {
      await Promise.all([online.close(), ...limiters.map((limiter) => limiter.close())]);
    },
  };
}
