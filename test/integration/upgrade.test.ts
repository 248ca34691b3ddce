/**
 * The data of earlier releases opens under this one: a data directory (SQLite) and a PostgreSQL
 * schema written by each release's own server (test/fixtures/make-previous-release.ts, the same
 * story each time) are migrated at start, and every message, receipt, group and device is still there.
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

type Sessions = Record<string, { token: string; deviceId: number }>;
type Row = [seq: number, from: string, id: string, text: string, status: string];

/** What each release's fixture holds of alice and bob's conversation, newest first. */
const RELEASES: Array<{ release: string; fixture: string; direct: Row[] }> = [
  {
    // Ids were scoped by sender: bob reused alice's id, renamed on the way up. Both wrote, so they are contacts and see ticks.
    release: "b027347 (before event streams)",
    fixture: "previous-release",
    direct: [
      [4, "bob", "dup-1-4", "Friday works", "sent"],
      [3, "alice", "a-3", "Bring the umbrella", "delivered"],
      [2, "alice", "a-2", "The zebra crossing by the old mill", "read"],
      [1, "alice", "dup-1", "Hello Bob, lunch on friday?", "read"],
    ],
  },
  {
    // That release refused bob's reused id, so bob never wrote to alice: not contacts, and alice sees ✓ only.
    release: "0.1 (8f0aac0, before contacts)",
    fixture: "release-0.1",
    direct: [
      [3, "alice", "a-3", "Bring the umbrella", "sent"],
      [2, "alice", "a-2", "The zebra crossing by the old mill", "sent"],
      [1, "alice", "dup-1", "Hello Bob, lunch on friday?", "sent"],
    ],
  },
];

const defer = cleanupAfterEach();

function deployments(fixtures: string): Array<{ name: string; sessions: Sessions; start(): Promise<TestServer> }> {
  const fixture = JSON.parse(readFileSync(join(fixtures, "sessions.json"), "utf8")) as { schema: string; sqlite: Sessions; postgres: Sessions };
  return [
    {
      name: "a data directory (SQLite)",
      sessions: fixture.sqlite,
      async start() {
        const dataDir = tempDir();
        cpSync(join(fixtures, "sqlite"), dataDir, { recursive: true });
        return startTestServer({ dataDir });
      },
    },
    {
      name: "a PostgreSQL schema",
      sessions: fixture.postgres,
      async start() {
        const storage = isolatedStorage();
        defer(storage.drop);
        const dump = readFileSync(join(fixtures, "postgres.sql"), "utf8").replaceAll(fixture.schema, storage.schema);
        const restore = Bun.spawnSync(["psql", "--quiet", "--set", "ON_ERROR_STOP=1", TEST_POSTGRES_URL], { stdin: Buffer.from(dump) });
        if (restore.exitCode !== 0) throw new Error(`restoring the fixture failed: ${restore.stderr}`);
        return startTestServer({
          config: { databaseUrl: TEST_POSTGRES_URL, databaseSchema: storage.schema, redisUrl: TEST_REDIS_URL, redisPrefix: storage.redisPrefix },
          openDrivers,
        });
      },
    },
  ];
}

for (const { release, fixture, direct: expected } of RELEASES) {
for (const kind of deployments(join(import.meta.dir, "../fixtures", fixture))) {
  describe(`${kind.name} of release ${release}`, () => {
    test("opens with every message, tick, group and device, and goes on from there", async () => {
      const server = await kind.start();
      defer(() => server.cleanup());
      const as = (name: string) => apiAs(server.url, kind.sessions[name]!.token);

      // The devices' sessions still work, and the conversation is all there with its ticks.
      const history = HistoryPage.parse((await as("alice").get("/api/history?with=bob")).body);
      expect(messagesIn(history).map((m) => [m.seq, m.from, m.id, m.text, m.status])).toEqual(expected);
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
      const next = expected.length + 1;
      expect(await alice.next((f) => f.type === "sent" && f.id === "after-upgrade")).toMatchObject({ seq: next });
      const bob = await TestSocket.connect(server.wsUrl, kind.sessions.bob!.token);
      defer(() => bob.close());
      const direct = history.messages[0]!.conv;
      const replayed = bob.pending().filter((f) => f.type === "message" && f.conv === direct);
      // bob's device had acknowledged up to 3: what came after, and the new message.
      expect(replayed.map((f) => f.type === "message" && [f.seq, f.text])).toEqual([...expected.filter(([seq]) => seq > 3).reverse().map(([seq, , , text]) => [seq, text]), [next, "Still here?"]]);
      expect(replayed.at(-1)).toMatchObject({ replyTo: { id: "a-3", from: "alice", text: "Bring the umbrella" } });
    });
  });
}
}
