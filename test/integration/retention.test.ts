/**
 * The sweeps as a user meets them, with the clock moved forward instead of waiting: messages older
 * than --retention-days leave history and the store, a device that was away is told of the gap
 * (and the terminal client says so), and a disappearing message loses its text when its time is up.
 */
import { expect, test } from "bun:test";
import { HistoryPage } from "../../src/protocol/index.ts";
import { startSweeps } from "../../src/services/sweeps.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import { ensureBinaries, runClient, tempDir } from "../e2e/support.ts";
import { apiAs } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { registerUser, startTestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const defer = cleanupAfterEach();
const DAY_MS = 24 * 60 * 60 * 1000;

test("after the retention period the sweep removes messages; bob's device gets a gap, and his client says so", async () => {
  await ensureBinaries();
  const server = await startTestServer({ config: { retentionDays: 30 } });
  defer(() => server.cleanup());
  const bobHome = tempDir("chat-retention-bob-");
  const bob = { server, configHome: bobHome };
  // bob's first run registers him and leaves his device's state (cursors) behind.
  expect((await runClient("bob", bob, [])).code).toBe(0);
  const alice = await registerUser(server, "alice");
  const socket = await TestSocket.connect(server.wsUrl, alice.token);
  defer(() => socket.close());
  for (const text of ["one", "two", "three"]) await socket.sendMessage("bob", text);

  const store = await openSqliteStore(server.dataDir);
  defer(() => store.close());
  const sweepAt = async (now: number) => {
    const sweeps = startSweeps(store, 30, (what, error) => {
      throw new Error(`${what}: ${error}`);
    }, () => now);
    await sweeps.firstSweep;
    sweeps.stop();
  };
  // 29 days on, everything stays; 31 days on, the three are gone.
  await sweepAt(Date.now() + 29 * DAY_MS);
  expect(HistoryPage.parse((await apiAs(server.url, alice.token).get("/api/history?with=bob")).body).messages).toHaveLength(3);
  await sweepAt(Date.now() + 31 * DAY_MS);
  expect(HistoryPage.parse((await apiAs(server.url, alice.token).get("/api/history?with=bob")).body).messages).toEqual([]);

  const away = await runClient("bob", bob, []);
  expect(away.code).toBe(0);
  expect(away.stdout).toEqual([]);
  expect(away.stderr).toContain("Messages 1 to 3 with alice expired on the server before this device got them.");
});

test("a disappearing message loses its text when the sweep runs after its time, and not before", async () => {
  const server = await startTestServer();
  defer(() => server.cleanup());
  const alice = await registerUser(server, "alice");
  const bob = await registerUser(server, "bob");
  const socket = await TestSocket.connect(server.wsUrl, alice.token);
  defer(() => socket.close());
  socket.send({ type: "timer", id: "t1", to: "bob", seconds: 86_400 });
  await socket.next((f) => f.type === "sent" && f.id === "t1");
  const sent = await socket.sendMessage("bob", "until tomorrow");
  const store = await openSqliteStore(server.dataDir);
  defer(() => store.close());
  const sweepAt = async (now: number) => {
    const sweeps = startSweeps(store, 0, () => {}, () => now);
    await sweeps.firstSweep;
    sweeps.stop();
  };
  const bobsHistory = async () => HistoryPage.parse((await apiAs(server.url, bob.token).get("/api/history?with=alice")).body).messages;
  await sweepAt(sent.ts + DAY_MS - 1);
  expect((await bobsHistory())[0]).toMatchObject({ text: "until tomorrow", expiresAt: sent.ts + DAY_MS });
  await sweepAt(sent.ts + DAY_MS);
  expect((await bobsHistory())[0]).toMatchObject({ text: "", deleted: true });
});
