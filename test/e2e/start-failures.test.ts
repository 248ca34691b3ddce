/**
 * Every failure of ./chat-server at start is one sentence on standard error naming the cause and the option
 * to change, with a non-zero status and no stack trace; secrets can come from files.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { isolatedStorage, TEST_POSTGRES_URL, TEST_REDIS_URL } from "../helpers/deployments.ts";
import { ensureBinaries, removeAll, SERVER_BINARY, tempDir } from "./support.ts";

const dirs: string[] = [];
const undo: Array<() => Promise<void>> = [];

beforeAll(() => ensureBinaries(), 120_000);
afterAll(async () => {
  for (const step of undo) await step();
  removeAll(dirs);
});

function dir(): string {
  const path = tempDir("chat-e2e-start-");
  dirs.push(path);
  return path;
}

/** Runs ./chat-server to its end (a server that did start is stopped, and that is a failure of the test). */
async function run(args: string[], env: Record<string, string> = {}, prefix: string[] = []) {
  const child = Bun.spawn([...prefix, SERVER_BINARY, "--port", "0", "--host", "127.0.0.1", ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = new Response(child.stdout).text();
  const started = stdout.then((text) => text.includes("Server starting"));
  const [code, out, err] = await Promise.all([child.exited, stdout, new Response(child.stderr).text()]);
  if (await started) throw new Error(`the server started: ${err}`);
  return { code, stdout: out.trim(), stderr: err.trim() };
}

const failure = (sentence: string, code = 1) => ({ code, stdout: "", stderr: `chat-server: ${sentence}` });

test("PostgreSQL unreachable, or refusing the credentials", async () => {
  expect(await run(["--database-url", "postgres://127.0.0.1:1/test"])).toEqual(
    failure("PostgreSQL at postgres://127.0.0.1:1/test is unreachable (Failed to connect); start it or fix --database-url, DATABASE_URL or DATABASE_URL_FILE."),
  );
  expect(await run([], { DATABASE_URL: "postgres://nobody-here:secret@127.0.0.1:5432/test" })).toEqual(
    failure("PostgreSQL at postgres://nobody-here:***@127.0.0.1:5432/test refused the credentials; fix the user or password in --database-url, DATABASE_URL or DATABASE_URL_FILE."),
  );
});

test("Redis unreachable, or refusing the credentials", async () => {
  const data = dir();
  expect(await run(["--data", data], { REDIS_URL: `${TEST_REDIS_URL.replace("redis://", "redis://nobody-here:secret@")}` })).toEqual(
    failure(`Redis at ${TEST_REDIS_URL.replace("redis://", "redis://nobody-here:***@")} refused the credentials; fix the user or password in --redis-url, REDIS_URL or REDIS_URL_FILE.`),
  );
  const result = await run(["--data", data, "--redis-url", "redis://127.0.0.1:1"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^chat-server: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable \([^\n]*\); start it or fix --redis-url, REDIS_URL or REDIS_URL_FILE\.$/);
});

test("a data directory the server cannot write, or that is a file", async () => {
  const parent = dir();
  const file = join(parent, "file");
  writeFileSync(file, "");
  expect(await run(["--data", join(file, "data")])).toEqual(
    failure(`the data directory ${join(file, "data")} is a file, or lies under one; choose another with --data or CHAT_DATA_DIR.`),
  );
  const locked = join(parent, "locked");
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  chmodSync(parent, 0o755);
  // Root may write anywhere: run as nobody then (the binary and the directories are readable by all).
  const asNobody = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  expect(await run([], { CHAT_DATA_DIR: join(locked, "data") }, asNobody)).toEqual(
    failure(`no permission to write the data directory ${join(locked, "data")}; give the server's user access to it, or choose another with --data or CHAT_DATA_DIR.`),
  );
});

test("a TLS file missing or unreadable, and a bad value named where it was given", async () => {
  const data = dir();
  expect(await run(["--data", data, "--tls-cert", join(data, "cert.pem"), "--tls-key", join(data, "key.pem")])).toEqual(
    failure(`Invalid --tls-cert ${JSON.stringify(join(data, "cert.pem"))}: no such file.`, 2),
  );
  // A key the server's user may not read (root may read anything: run as nobody then).
  if (process.getuid?.() === 0) {
    chmodSync(data, 0o777);
    const cert = join(data, "cert.pem");
    const key = join(data, "key.pem");
    writeFileSync(cert, "-----BEGIN CERTIFICATE-----\n", { mode: 0o644 });
    writeFileSync(key, "-----BEGIN PRIVATE KEY-----\n", { mode: 0o600 });
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    expect(await run(["--data", join(data, "data"), "--tls-cert", cert], { CHAT_TLS_KEY_FILE: key }, asNobody)).toEqual(
      failure(`the TLS file ${key} cannot be read (permission denied); fix it or choose another with --tls-key or CHAT_TLS_KEY (or CHAT_TLS_KEY_FILE).`),
    );
  }
  expect(await run(["--data", data], { CHAT_MAX_DEVICES: "lots" })).toEqual(failure('Invalid CHAT_MAX_DEVICES="lots" (for --max-devices): not a number.', 2));
});

test("secrets come from *_FILE variables, and a missing one is named without its contents", async () => {
  const data = dir();
  const secret = join(data, "database-url");
  writeFileSync(secret, "postgres://nobody-here:from-a-file@127.0.0.1:5432/test\n");
  expect(await run([], { DATABASE_URL_FILE: secret })).toEqual(
    failure("PostgreSQL at postgres://nobody-here:***@127.0.0.1:5432/test refused the credentials; fix the user or password in --database-url, DATABASE_URL or DATABASE_URL_FILE."),
  );
  expect(await run(["--data", data], { REDIS_URL_FILE: join(data, "missing") })).toEqual(
    failure(`Cannot read REDIS_URL_FILE=${JSON.stringify(join(data, "missing"))}: no such file.`, 2),
  );
  writeFileSync(secret, "mysql://user:hunter2@db/chat\n");
  const wrong = await run([], { DATABASE_URL_FILE: secret });
  expect(wrong).toEqual(failure(`Invalid DATABASE_URL_FILE=${JSON.stringify(secret)} (for --database-url): must start with postgres://.`, 2));
  expect(wrong.stderr).not.toContain("hunter2");
});

test("a store written by a newer release is refused, SQLite and PostgreSQL", async () => {
  const data = dir();
  const db = new Database(join(data, "chat.db"), { create: true });
  db.run("PRAGMA user_version = 99");
  db.close();
  expect(await run(["--data", data])).toEqual(
    failure(
      `the database ${join(data, "chat.db")} is at schema version 99, newer than this server knows (7); run the newer chat-server, or restore a backup made by this release (--data or CHAT_DATA_DIR).`,
    ),
  );

  const storage = isolatedStorage();
  undo.push(storage.drop);
  const admin = new SQL(TEST_POSTGRES_URL);
  await admin`CREATE SCHEMA ${admin(storage.schema)}`;
  await admin.unsafe(`CREATE TABLE ${storage.schema}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO ${storage.schema}.schema_migrations (version) VALUES (99)`);
  await admin.close();
  expect(await run(["--database-url", TEST_POSTGRES_URL, "--database-schema", storage.schema])).toEqual(
    failure(
      `the database schema "${storage.schema}" is at version 99, newer than this server knows (6); upgrade the server (or choose another with --database-schema or CHAT_DATABASE_SCHEMA).`,
    ),
  );
});
