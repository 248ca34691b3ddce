/**
 * The compiled ./chat-server opens a data directory written by the previous release (test/fixtures/previous-release),
 * migrates it at start, and serves every message, receipt, group and device; a backup of it restores.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinaries, removeAll, SERVER_BINARY, type ServerProcess, startServerBinary, tempDir } from "./support.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/previous-release");
const sessions = JSON.parse(readFileSync(join(FIXTURES, "sessions.json"), "utf8")).sqlite as Record<string, { token: string }>;
const dirs: string[] = [];
const servers: ServerProcess[] = [];

beforeAll(() => ensureBinaries(), 120_000);
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  removeAll(dirs);
});

const get = async (server: ServerProcess, name: string, path: string) => {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${sessions[name]!.token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};

test("the previous release's data directory opens with every message, tick, group and device, and backs up after the upgrade", async () => {
  const data = tempDir("chat-e2e-upgrade-");
  dirs.push(data);
  cpSync(join(FIXTURES, "sqlite"), data, { recursive: true });
  const server = await startServerBinary(data);
  servers.push(server);

  const history = await get(server, "alice", "/api/history?with=bob");
  expect(history.messages.filter((m: any) => m.type === "message").map((m: any) => [m.seq, m.from, m.id, m.text, m.status])).toEqual([
    [4, "bob", "dup-1-4", "Friday works", "sent"],
    [3, "alice", "a-3", "Bring the umbrella", "delivered"],
    [2, "alice", "a-2", "The zebra crossing by the old mill", "read"],
    [1, "alice", "dup-1", "Hello Bob, lunch on friday?", "read"],
  ]);
  const team = await get(server, "bob", "/api/groups/team");
  expect(team.members).toEqual([
    { name: "alice", role: "admin" },
    { name: "carol", role: "admin" },
    { name: "bob", role: "member" },
  ]);
  const teamHistory = await get(server, "carol", "/api/history?with=%23team");
  expect(teamHistory.messages.filter((m: any) => m.type === "message").map((m: any) => m.text)).toEqual(["Welcome to the team, okapi fans"]);
  // Every device of the fixture is still logged in.
  for (const name of Object.keys(sessions)) {
    const { devices } = await get(server, name, "/api/devices");
    expect(devices.filter((device: { current: boolean }) => device.current)).toHaveLength(1);
  }

  // The migrated store is backed up by this release's binary, beside the running server.
  const file = join(data, "..", `${data.split("/").at(-1)}-backup.db`);
  dirs.push(file);
  const backup = Bun.spawnSync([SERVER_BINARY, "backup", file, "--data", data], { stdout: "pipe", stderr: "pipe" });
  expect({ code: backup.exitCode, stderr: backup.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  expect(backup.stdout.toString()).toStartWith("Backed up 5 messages");
});
