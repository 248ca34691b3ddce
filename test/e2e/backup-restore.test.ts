/**
 * The compiled ./chat-server's backup and restore: a copy taken while messages flow holds every message
 * acknowledged before it began, restores only into an empty directory, and a server opens it; after a
 * clean stop chat.db alone holds everything; PostgreSQL is backed up with pg_dump and pg_restore.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isolatedStorage, TEST_POSTGRES_URL } from "../helpers/deployments.ts";
import { registerUser } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";
import { ensureBinaries, removeAll, runServerCommand, type ServerProcess, startServerBinary, tempDir } from "./support.ts";

const dirs: string[] = [];
const servers: ServerProcess[] = [];
const sockets: TestSocket[] = [];
const undo: Array<() => Promise<void>> = [];

beforeAll(() => ensureBinaries(), 120_000);
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(servers.map((server) => server.stop()));
  for (const step of undo) await step();
  removeAll(dirs);
});

function dir(prefix: string): string {
  const path = tempDir(prefix);
  dirs.push(path);
  return path;
}

async function start(data: string, args: string[] = []): Promise<ServerProcess> {
  const server = await startServerBinary(data, 0, ["--user-message-rate", "0", ...args]);
  servers.push(server);
  return server;
}


/** alice's socket, with bob registered to write to. */
async function aliceAndBob(server: ServerProcess): Promise<TestSocket> {
  const alice = await registerUser(server, "alice");
  await registerUser(server, "bob");
  const socket = await TestSocket.connect(`ws://127.0.0.1:${server.port}/ws`, alice.token);
  sockets.push(socket);
  return socket;
}

const messageIds = (file: string): Set<string> => {
  const db = new Database(file, { readonly: true });
  try {
    return new Set(db.query<{ client_id: string }, []>("SELECT client_id FROM events WHERE kind = 'message'").all().map((row) => row.client_id));
  } finally {
    db.close();
  }
};

test("a backup taken while messages flow holds every message acknowledged before it began, and restores into an empty directory only", async () => {
  const data = dir("chat-e2e-backup-");
  const server = await start(data);
  const socket = await aliceAndBob(server);

  // Send one message after another until told to stop, noting each acknowledgement.
  const acked: string[] = [];
  let sending = true;
  const reachedTen = Promise.withResolvers<void>();
  const sender = (async () => {
    for (let n = 0; sending; n++) {
      const id = `flow-${n}`;
      await socket.sendMessage("bob", `message ${n}`, id);
      acked.push(id);
      if (acked.length === 10) reachedTen.resolve();
    }
  })();
  await reachedTen.promise;
  const ackedBefore = [...acked];
  const file = join(dir("chat-e2e-backup-file-"), "chat-backup.db");
  const backup = await runServerCommand(["backup", file, "--data", data]);
  const ackedDuring = acked.length - ackedBefore.length;
  sending = false;
  await sender;

  expect(backup.code).toBe(0);
  expect(backup.stderr).toBe("");
  expect(backup.stdout).toMatch(new RegExp(`^Backed up \\d+ messages \\(\\d+ bytes\\) to ${file.replaceAll(".", "\\.")}$`));
  const inBackup = messageIds(file);
  expect(ackedBefore.filter((id) => !inBackup.has(id))).toEqual([]);
  // Messages went on being acknowledged while the copy was taken; none of them is in it twice or out of nowhere.
  expect(ackedDuring).toBeGreaterThan(0);
  expect([...inBackup].filter((id) => !acked.includes(id))).toEqual([]);

  // A second backup to the same file is refused rather than overwriting it.
  expect(await runServerCommand(["backup", file, "--data", data])).toEqual({
    code: 1,
    stdout: "",
    stderr: `chat-server: ${file} already exists; name a new file for the backup, or remove that one first.`,
  });

  // Restore into a new directory, then a server there has every message of the backup.
  const restored = join(dir("chat-e2e-restore-"), "data");
  const restore = await runServerCommand(["restore", file, "--data", restored]);
  expect(restore).toMatchObject({ code: 0, stderr: "" });
  expect(restore.stdout).toMatch(/^Restored \d+ messages \(\d+ bytes\) into /);
  expect(await runServerCommand(["restore", file], { CHAT_DATA_DIR: restored })).toEqual({
    code: 1,
    stdout: "",
    stderr: `chat-server: the data directory ${restored} is not empty; restore into a new or empty directory with --data or CHAT_DATA_DIR (the server there must be stopped).`,
  });
  const second = await start(restored);
  const response = await fetch(`${second.url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "alice", password: "correct horse battery staple" }),
  });
  expect(response.status).toBe(200);
  await second.stop();
  expect(messageIds(join(restored, "chat.db"))).toEqual(inBackup);
});

test("backup and restore refuse with one sentence what they cannot use", async () => {
  const empty = dir("chat-e2e-backup-empty-");
  expect(await runServerCommand(["backup", join(empty, "b.db"), "--data", join(empty, "none")])).toEqual({
    code: 1,
    stdout: "",
    stderr: `chat-server: there is no database at ${join(empty, "none", "chat.db")} to back up; name the server's data directory with --data or CHAT_DATA_DIR.`,
  });
  const notADatabase = join(empty, "notes.txt");
  writeFileSync(notADatabase, "not a database at all, but long enough to have a header of sorts ".repeat(20));
  const refused = await runServerCommand(["restore", notADatabase, "--data", join(empty, "data")]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toStartWith(`chat-server: ${notADatabase} is not a chat database`);
  expect(existsSync(join(empty, "data"))).toBe(false);
  expect(await runServerCommand(["backup"])).toEqual({ code: 2, stdout: "", stderr: "chat-server: backup needs a file: chat-server backup <file> [--data DIR]." });
  expect(await runServerCommand(["backup", join(empty, "b.db")], { DATABASE_URL: TEST_POSTGRES_URL })).toEqual({
    code: 1,
    stdout: "",
    stderr: "chat-server: backup and restore copy the SQLite store; with --database-url or DATABASE_URL use pg_dump and pg_restore (see docs/deploy.md).",
  });
});

test("after a clean SIGTERM chat.db alone holds every message (the WAL is checkpointed and emptied)", async () => {
  const data = dir("chat-e2e-clean-stop-");
  const server = await start(data);
  const socket = await aliceAndBob(server);
  const ids = Array.from({ length: 20 }, (_, n) => `clean-${n}`);
  for (const id of ids) await socket.sendMessage("bob", id, id);
  expect(await server.stop("SIGTERM")).toBe(0);
  const copy = dir("chat-e2e-copied-");
  copyFileSync(join(data, "chat.db"), join(copy, "chat.db"));
  expect([...messageIds(join(copy, "chat.db"))].sort()).toEqual([...ids].sort());
});

test("PostgreSQL: pg_dump of a running server's schema and pg_restore into an empty one keep every message", async () => {
  const storage = isolatedStorage();
  undo.push(storage.drop);
  const args = ["--database-url", TEST_POSTGRES_URL, "--database-schema", storage.schema];
  const server = await start(dir("chat-e2e-pg-"), args);
  const socket = await aliceAndBob(server);
  const ids = Array.from({ length: 10 }, (_, n) => `pg-${n}`);
  for (const id of ids) await socket.sendMessage("bob", id, id);

  const dump = join(dir("chat-e2e-pg-dump-"), "chat.dump");
  const dumped = Bun.spawnSync(["pg_dump", "--format=custom", "--schema", storage.schema, "--file", dump, TEST_POSTGRES_URL], { stderr: "pipe" });
  expect(dumped.stderr.toString()).toBe("");
  expect(dumped.exitCode).toBe(0);
  await server.stop();
  await storage.drop();
  const restored = Bun.spawnSync(["pg_restore", "--dbname", TEST_POSTGRES_URL, "--exit-on-error", dump], { stderr: "pipe" });
  expect(restored.stderr.toString()).toBe("");
  expect(restored.exitCode).toBe(0);

  const again = await start(dir("chat-e2e-pg-again-"), args);
  const login = await fetch(`${again.url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "alice", password: "correct horse battery staple" }),
  });
  const { token } = (await login.json()) as { token: string };
  const history = await fetch(`${again.url}/api/history?with=bob`, { headers: { authorization: `Bearer ${token}` } });
  const page = (await history.json()) as { messages: Array<{ type: string; id: string }> };
  expect(page.messages.filter((entry) => entry.type === "message").map((entry) => entry.id).sort()).toEqual(ids.toSorted());
});

test("a second SIGINT while the server waits on a request in flight exits at once", async () => {
  const server = await start(dir("chat-e2e-sigint-"));
  // A login whose body never arrives in full keeps a request in flight, so the clean stop waits for it.
  const socket = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
  socket.write("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":");
  try {
    server.process.kill("SIGINT");
    await server.stderr.line(/server stopping/);
    // Had the first stop finished (nothing in flight), the status would be 0, not 130.
    server.process.kill("SIGINT");
    expect(await server.process.exited).toBe(130);
    expect(server.stderr.text).toContain("second SIGINT: exiting at once");
  } finally {
    socket.end();
  }
});
