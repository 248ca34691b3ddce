import { afterEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { HistoryPage } from "../../src/protocol/index.ts";
import { startServerProcess } from "../helpers/server-process.ts";
import { registerUser, startTestServer, tempDir } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("graceful shutdown", () => {
  test("stopping closes every socket with 1001 'going away' and commits what was accepted; retries after the restart store nothing twice", async () => {
    const dataDir = tempDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = { userMessageRate: 0, connectionFrameRate: 0 };
    const first = await startTestServer({ dataDir, config });
    cleanups.push(() => first.stop());
    const alice = await registerUser(first, "alice");
    const bob = await registerUser(first, "bob");
    const aliceSocket = await TestSocket.connect(first.wsUrl, alice.token);
    const bobSocket = await TestSocket.connect(first.wsUrl, bob.token);

    // A burst in flight when the server is told to stop.
    const ids = Array.from({ length: 300 }, (_, i) => `m-${i}`);
    for (const id of ids) aliceSocket.send({ type: "send", id, to: "bob", text: `message ${id}` });
    await aliceSocket.next((frame) => frame.type === "sent");
    await first.stop();

    expect((await aliceSocket.closed()).code).toBe(1001);
    expect((await bobSocket.closed()).code).toBe(1001);
    const acked = new Set(aliceSocket.pending().flatMap((frame) => (frame.type === "sent" ? [frame.id] : [])));

    // After the restart alice's outbox sends again everything without an ack, with the same ids.
    const second = await startTestServer({ dataDir, config });
    cleanups.push(() => second.stop());
    const aliceAgain = await TestSocket.connect(second.wsUrl, alice.token);
    cleanups.push(() => aliceAgain.close());
    await Promise.all(ids.filter((id) => !acked.has(id)).map((id) => aliceAgain.sendMessage("bob", `message ${id}`, id)));

    const pages: HistoryPage["messages"] = [];
    let before: number | undefined;
    do {
      const query = `with=alice&limit=200${before === undefined ? "" : `&before=${before}`}`;
      const page = HistoryPage.parse(await (await fetch(`${second.url}/api/history?${query}`, { headers: { authorization: `Bearer ${bob.token}` } })).json());
      pages.push(...page.messages);
      before = page.next ?? undefined;
    } while (before !== undefined);
    // Every message once: the acked ones were committed before the server went, the rest by their retry.
    expect(pages.map((message) => message.id).sort()).toEqual([...ids].sort());
    expect(pages.map((message) => message.seq).sort((a, b) => a - b)).toEqual(ids.map((_, i) => i + 1));
  });

  test("SIGTERM to the server process: clients see 1001 and the process exits 0", async () => {
    const dataDir = tempDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startServerProcess(["--data", dataDir], { DATABASE_URL: "", REDIS_URL: "" });
    cleanups.push(() => server.stop("SIGKILL"));
    const alice = await registerUser(server, "alice");
    const socket = await TestSocket.connect(server.wsUrl, alice.token);
    const closed = socket.closed();
    expect(await server.stop("SIGTERM")).toBe(0);
    expect((await closed).code).toBe(1001);
  });
});
