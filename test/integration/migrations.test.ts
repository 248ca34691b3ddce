/**
 * Several servers may start at the same moment against an empty PostgreSQL schema (a fresh
 * deployment, or a restart of every server at once): the migrations run once, and all serve.
 */
import { SQL } from "bun";
import { expect, test } from "bun:test";
import { openDrivers } from "../../src/server/drivers.ts";
import { MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { isolatedStorage, TEST_POSTGRES_URL, TEST_REDIS_URL } from "../helpers/deployments.ts";
import { registerUser, startTestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const defer = cleanupAfterEach();

test("three servers starting at once on an empty schema migrate it once, and every one of them serves", async () => {
  const storage = isolatedStorage();
  defer(storage.drop);
  const config = { databaseUrl: TEST_POSTGRES_URL, databaseSchema: storage.schema, redisUrl: TEST_REDIS_URL, redisPrefix: storage.redisPrefix };
  const servers = await Promise.all([1, 2, 3].map(() => startTestServer({ config, openDrivers })));
  for (const server of servers) defer(() => server.cleanup());

  const sql = new SQL(TEST_POSTGRES_URL);
  defer(() => sql.close());
  const applied = await sql`SELECT version FROM ${sql(storage.schema)}.schema_migrations ORDER BY version`;
  expect(applied.map((row: { version: number }) => row.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));

  // Each server answers: a user registered on one chats through the others.
  const alice = await registerUser(servers[0]!, "alice");
  const bob = await registerUser(servers[1]!, "bob");
  const bobSocket = await TestSocket.connect(servers[2]!.wsUrl, bob.token);
  defer(() => bobSocket.close());
  const aliceSocket = await TestSocket.connect(servers[1]!.wsUrl, alice.token);
  defer(() => aliceSocket.close());
  await aliceSocket.sendMessage("bob", "across three servers");
  expect(await bobSocket.nextMessage()).toMatchObject({ from: "alice", text: "across three servers" });
});
