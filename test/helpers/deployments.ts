import { s3BlobStore } from "../../src/store/blobs/s3-blobs.ts";
import { TEST_BUCKET, testS3 } from "./s3-bucket.ts";
import { SQL } from "bun";
import { rmSync } from "node:fs";
import type { ServerConfig } from "../../src/server/config.ts";
import { openDrivers } from "../../src/server/drivers.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import type { Store } from "../../src/store/store.ts";
import type { BlobStore } from "../../src/store/blobs/blob-store.ts";
import { fileBlobStore } from "../../src/store/blobs/file-blobs.ts";
import { postgresBlobStore } from "../../src/store/blobs/postgres-blobs.ts";
import type { Session } from "../../src/protocol/index.ts";
import { apiAs } from "./api.ts";
import { registerUser, startTestServer, tempDir, type TestServer } from "./server.ts";
import { TestSocket } from "./socket.ts";

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * A running deployment for behaviour tests: one server on SQLite, or several
 * servers sharing PostgreSQL and Redis. `url` and `wsUrl` hand out the next
 * server's address on every read, so a test's users, devices and requests
 * spread over every server without the test saying so.
 */
export interface Deployment {
  readonly url: string;
  readonly wsUrl: string;
  readonly servers: readonly TestServer[];
  /** Another handle on the same data, to look at or change it behind the servers' backs. */
  openStore(): Promise<Store>;
  /** Where the servers keep attachments' bytes, to look behind their backs too. */
  openBlobs(): BlobStore;
  /** Stops every server; the data stays. */
  stop(): Promise<void>;
  /** Starts every server again on the same data. */
  start(): Promise<void>;
  /** Stops everything and deletes the data. */
  cleanup(): Promise<void>;
  /** Where its Redis keys and channels start, when it uses Redis. */
  redisPrefix?: string;
}

export interface DeploymentKind {
  name: string;
  /** `openBlobs`: where the test itself reads attachments' bytes, when not where the kind keeps them by default. */
  start(config?: Partial<ServerConfig>, openBlobs?: () => BlobStore): Promise<Deployment>;
}

function rotating(servers: () => readonly TestServer[]) {
  let next = 0;
  const pick = () => servers()[next++ % servers().length]!;
  return {
    get url() {
      return pick().url;
    },
    get wsUrl() {
      return pick().wsUrl;
    },
  };
}

function deployment(count: number, startOne: () => Promise<TestServer>, openStore: () => Promise<Store>, openBlobs: () => BlobStore, destroy: () => Promise<void>) {
  return async (): Promise<Deployment> => {
    let servers: TestServer[] = [];
    const start = async () => {
      servers = [];
      for (let i = 0; i < count; i++) servers.push(await startOne());
    };
    const stop = async () => {
      await Promise.all(servers.map((server) => server.stop()));
    };
    await start();
    return Object.assign(rotating(() => servers), {
      get servers() {
        return servers;
      },
      openStore,
      openBlobs,
      stop,
      start,
      async cleanup() {
        await Promise.all(servers.map((server) => server.cleanup()));
        await destroy();
      },
    });
  };
}

export const SINGLE_SQLITE: DeploymentKind = {
  name: "one server, SQLite",
  async start(config = {}) {
    const dataDir = tempDir();
    return deployment(
      1,
      () => startTestServer({ dataDir, config }),
      async () => openSqliteStore(dataDir),
      () => fileBlobStore(dataDir),
      async () => rmSync(dataDir, { recursive: true, force: true }),
    )();
  },
};

/** A PostgreSQL schema and a Redis key prefix no other test uses, and how to drop the schema afterwards. */
export function isolatedStorage(postgresUrl = TEST_POSTGRES_URL) {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const schema = `chat_test_${id}`;
  return {
    schema,
    redisPrefix: `chat-test-${id}:`,
    async drop() {
      const admin = new SQL(postgresUrl);
      await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
      await admin.close();
    },
  };
}

/** `servers` servers sharing PostgreSQL and Redis (the shared ones unless told otherwise), in storage of their own. */
export function postgresRedis({ servers = 2, postgresUrl = TEST_POSTGRES_URL, redisUrl = TEST_REDIS_URL } = {}): DeploymentKind {
  return {
    name: `${servers === 1 ? "one server" : `${servers} servers`}, PostgreSQL + Redis`,
    async start(config = {}, openBlobs?: () => BlobStore) {
      const storage = isolatedStorage(postgresUrl);
      const started = await deployment(
        servers,
        () =>
          startTestServer({
            config: { ...config, databaseUrl: postgresUrl, databaseSchema: storage.schema, redisUrl, redisPrefix: storage.redisPrefix },
            openDrivers,
          }),
        () => openPostgresStore(postgresUrl, { schema: storage.schema }),
        openBlobs ?? (() => postgresBlobStore(postgresUrl, storage.schema)),
        storage.drop,
      )();
      return Object.assign(started, { redisPrefix: storage.redisPrefix });
    },
  };
}

export const TWO_SERVERS_POSTGRES_REDIS = postgresRedis();

/** Two servers on PostgreSQL and Redis with attachments in an S3 bucket (`--attachments s3://…`), of a test S3 server. */
export const TWO_SERVERS_S3: DeploymentKind = {
  name: "2 servers, PostgreSQL + Redis + S3",
  async start(config = {}) {
    await testS3();
    const attachmentsUrl = `s3://${TEST_BUCKET}/${crypto.randomUUID()}`;
    return postgresRedis().start({ ...config, attachmentsUrl }, () => s3BlobStore(attachmentsUrl));
  },
};

/** The environment of server processes that share storage of their own (a schema and key prefix), and how to drop it. */
export function isolatedServerEnvironment() {
  const storage = isolatedStorage();
  const env: Record<string, string> = {
    DATABASE_URL: TEST_POSTGRES_URL,
    CHAT_DATABASE_SCHEMA: storage.schema,
    REDIS_URL: TEST_REDIS_URL,
    CHAT_REDIS_PREFIX: storage.redisPrefix,
  };
  return { env, drop: storage.drop };
}

/** Every deployment the behaviour suites run against. */
export const DEPLOYMENT_KINDS: DeploymentKind[] = [SINGLE_SQLITE, TWO_SERVERS_POSTGRES_REDIS];

/**
 * A fresh deployment with the named users registered, and ways to act as
 * them: `api(name)` over HTTP, `connect(name)` a device that said hello.
 * Everything it starts is undone through `defer`.
 */
export async function deploymentWithUsers(kind: DeploymentKind, names: string[], defer: (undo: () => unknown) => void, config: Partial<ServerConfig> = {}) {
  const server = await kind.start(config);
  defer(() => server.cleanup());
  const users: Record<string, Session> = {};
  for (const name of names) users[name] = await registerUser(server, name);
  const api = (name: string) => apiAs(server.url, users[name]!.token);
  const connectSession = async (session: Session) => {
    const socket = await TestSocket.connect(server.wsUrl, session.token);
    defer(() => socket.close());
    return socket;
  };
  const connect = (name: string) => connectSession(users[name]!);
  const befriend = (a: string, b: string) => makeContacts(server, users[a]!, users[b]!);
  return { server, users, api, connect, connectSession, befriend };
}

/** Makes two users contacts (each adds the other), as two people who wrote to each other are: presence, typing and receipts flow. */
export async function makeContacts(server: Pick<Deployment, "url">, a: Session, b: Session): Promise<void> {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const answer = await apiAs(server.url, from.token).post("/api/contacts", { user: to.user });
    if (answer.status !== 200) throw new Error(`${from.user} could not add ${to.user}: ${answer.status}`);
  }
}
