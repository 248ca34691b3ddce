/**
 * "Delete for everyone" and disappearing messages remove the text from the SQLite files
 * themselves, not just from what the server shows: the message, every edited version of it,
 * and its words in the search index, in the database file, its free pages and the WAL.
 * On PostgreSQL the live rows no longer hold it (dead row versions go with vacuum).
 */
import { SQL } from "bun";
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SQLITE_FILE_NAME } from "../../src/store/sqlite/index.ts";
import { SearchPage } from "../../src/protocol/index.ts";
import { openDrivers } from "../../src/server/drivers.ts";
import { apiAs } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { eventually } from "../helpers/eventually.ts";
import { isolatedStorage, TEST_POSTGRES_URL, TEST_REDIS_URL } from "../helpers/deployments.ts";
import { registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const defer = cleanupAfterEach();

/** Which of the database's files still hold `secret` anywhere in their bytes. */
function filesHolding(dataDir: string, secret: string): string[] {
  const needle = Buffer.from(secret);
  return [SQLITE_FILE_NAME, `${SQLITE_FILE_NAME}-wal`].filter((name) => {
    const path = join(dataDir, name);
    return existsSync(path) && readFileSync(path).includes(needle);
  });
}

/** Alice writes a secret to bob, edits it, writes another message, then deletes the secret for everyone. */
async function writeAndDeleteSecret(server: TestServer, afterDelete: () => Promise<void>, beforeDelete: () => void = () => {}): Promise<void> {
  const alice = await registerUser(server, "alice");
  await registerUser(server, "bob");
  const socket = await TestSocket.connect(server.wsUrl, alice.token);
  defer(() => socket.close());
  const ask = async (frame: Record<string, unknown>) => {
    socket.send(frame);
    const reply = await socket.next((f) => (f.type === "sent" || f.type === "error") && f.id === frame.id);
    expect(reply.type).toBe("sent");
  };
  await ask({ type: "send", id: "secret", to: "bob", text: "the vault code is swordfish7731" });
  await ask({ type: "edit", id: "secret-edit", target: "secret", text: "the vault code is marlin5509" });
  await ask({ type: "send", id: "kept", to: "bob", text: "this one stays: pelican" });
  const search = async (q: string) => SearchPage.parse((await apiAs(server.url, alice.token).get(`/api/search?q=${q}`)).body).hits;
  expect((await search("marlin5509")).map((hit) => hit.id)).toEqual(["secret"]);
  beforeDelete();
  await ask({ type: "delete", id: "secret-delete", target: "secret" });
  expect(await search("marlin5509")).toEqual([]);
  await afterDelete();
  await socket.close();
}

test("SQLite: after a delete for everyone and the checkpoint that follows, no file of the database holds the text or its edits", async () => {
  const server = await startTestServer();
  defer(() => server.cleanup());
  await writeAndDeleteSecret(
    server,
    () =>
      eventually(
        "the WAL to be checkpointed after the delete",
        async () => [...filesHolding(server.dataDir, "swordfish7731"), ...filesHolding(server.dataDir, "marlin5509")],
        (holding) => holding.length === 0,
      ).then(() => {}),
    // Before the delete the text is in the files: the check can see it.
    () => expect(filesHolding(server.dataDir, "marlin5509")).not.toEqual([]),
  );
  await server.stop();
  expect(filesHolding(server.dataDir, "swordfish7731")).toEqual([]);
  expect(filesHolding(server.dataDir, "marlin5509")).toEqual([]);
  // What was not deleted is still there.
  expect(filesHolding(server.dataDir, "pelican")).toEqual([SQLITE_FILE_NAME]);
});

test("PostgreSQL: after a delete for everyone no row holds the text or its edits", async () => {
  const storage = isolatedStorage();
  defer(storage.drop);
  const server = await startTestServer({
    config: { databaseUrl: TEST_POSTGRES_URL, databaseSchema: storage.schema, redisUrl: TEST_REDIS_URL, redisPrefix: storage.redisPrefix },
    openDrivers,
  });
  defer(() => server.cleanup());
  const sql = new SQL(TEST_POSTGRES_URL);
  defer(() => sql.close());
  const rowsHolding = async (secret: string) => {
    const [row] = await sql`SELECT count(*)::int AS n FROM ${sql(storage.schema)}.events WHERE body LIKE ${`%${secret}%`}`;
    return row.n as number;
  };
  await writeAndDeleteSecret(server, async () => {
    expect(await rowsHolding("swordfish7731")).toBe(0);
    expect(await rowsHolding("marlin5509")).toBe(0);
  });
  expect(await rowsHolding("pelican")).toBe(1);
});
