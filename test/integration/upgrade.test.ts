/**
 * The data of the previous release opens under this one: a data directory (SQLite) and a
 * PostgreSQL schema written by that release's own server (test/fixtures/make-previous-release.ts)
 * are migrated at start, and every message, receipt, group and device is still there.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GroupInfo, HistoryPage, SearchPage } from "../../src/protocol/index.ts";
import { openDrivers } from "../../src/server/drivers.ts";
import { apiAs, messagesIn } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { isolatedStorage, TEST_POSTGRES_URL, TEST_REDIS_URL } from "../helpers/deployments.ts";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/previous-release");
type Sessions = Record<string, { token: string; deviceId: number }>;
const fixture = JSON.parse(readFileSync(join(FIXTURES, "sessions.json"), "utf8")) as { schema: string; sqlite: Sessions; postgres: Sessions };

const defer = cleanupAfterEach();

const kinds: Array<{ name: string; sessions: Sessions; start(): Promise<TestServer> }> = [
  {
    name: "a data directory of the previous release (SQLite)",
    sessions: fixture.sqlite,
    async start() {
      const dataDir = tempDir();
      cpSync(join(FIXTURES, "sqlite"), dataDir, { recursive: true });
      return startTestServer({ dataDir });
    },
  },
  {
    name: "a PostgreSQL schema of the previous release",
    sessions: fixture.postgres,
    async start() {
      const storage = isolatedStorage();
      defer(storage.drop);
      const dump = readFileSync(join(FIXTURES, "postgres.sql"), "utf8").replaceAll(fixture.schema, storage.schema);
      const restore = Bun.spawnSync(["psql", "--quiet", "--set", "ON_ERROR_STOP=1", TEST_POSTGRES_URL], { stdin: Buffer.from(dump) });
      if (restore.exitCode !== 0) throw new Error(`restoring the fixture failed: ${restore.stderr}`);
      return startTestServer({
        config: { databaseUrl: TEST_POSTGRES_URL, databaseSchema: storage.schema, redisUrl: TEST_REDIS_URL, redisPrefix: storage.redisPrefix },
        openDrivers,
      });
    },
  },
];

for (const kind of kinds) {
  describe(kind.name, () => {
    test("opens with every message, tick, group and device, and goes on from there", async () => {
      const server = await kind.start();
      defer(() => server.cleanup());
      const as = (name: string) => apiAs(server.url, kind.sessions[name]!.token);

      // The devices' sessions still work, and the conversation is all there with its ticks.
      const history = HistoryPage.parse((await as("alice").get("/api/history?with=bob")).body);
      expect(messagesIn(history).map((m) => [m.seq, m.from, m.id, m.text, m.status])).toEqual([
        [4, "bob", "dup-1-4", "Friday works", "sent"],
        [3, "alice", "a-3", "Bring the umbrella", "delivered"],
        [2, "alice", "a-2", "The zebra crossing by the old mill", "read"],
        [1, "alice", "dup-1", "Hello Bob, lunch on friday?", "read"],
      ]);
      // The group, its roles and its message.
      const team = GroupInfo.parse((await as("bob").get("/api/groups/team")).body);
      expect(team.members).toEqual([
        { name: "alice", role: "admin" },
        { name: "carol", role: "admin" },
        { name: "bob", role: "member" },
      ]);
      const teamHistory = HistoryPage.parse((await as("carol").get("/api/history?with=%23team")).body);
      expect(messagesIn(teamHistory).map((m) => m.text)).toEqual(["Welcome to the team, okapi fans"]);
      // Old messages are searchable.
      expect(SearchPage.parse((await as("bob").get("/api/search?q=zebra")).body).hits.map((hit) => hit.id)).toEqual(["a-2"]);
      expect(SearchPage.parse((await as("carol").get("/api/search?q=okapi")).body).hits.map((hit) => hit.id)).toEqual(["g-1"]);

      // New events follow the old ones, and bob's device resumes where it stood (it had acknowledged up to 3).
      const alice = await TestSocket.connect(server.wsUrl, kind.sessions.alice!.token);
      defer(() => alice.close());
      alice.send({ type: "send", id: "after-upgrade", to: "bob", text: "Still here?", replyTo: "a-3" });
      expect(await alice.next((f) => f.type === "sent" && f.id === "after-upgrade")).toMatchObject({ seq: 5 });
      const bob = await TestSocket.connect(server.wsUrl, kind.sessions.bob!.token);
      defer(() => bob.close());
      const direct = history.messages[0]!.conv;
      const replayed = bob.pending().filter((f) => f.type === "message" && f.conv === direct);
      expect(replayed.map((f) => f.type === "message" && [f.seq, f.text])).toEqual([
        [4, "Friday works"],
        [5, "Still here?"],
      ]);
      expect(replayed[1]).toMatchObject({ replyTo: { id: "a-3", from: "alice", text: "Bring the umbrella" } });
    });
  });
}
