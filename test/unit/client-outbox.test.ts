import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerAddress } from "../../src/client/sdk/address.ts";
import { ChatConnection } from "../../src/client/sdk/connection.ts";
import { Outbox } from "../../src/client/sdk/outbox.ts";
import { clientFiles, DeviceState, type OutboxEntry, readStateFile } from "../../src/client/sdk/state-file.ts";
import { ChatError } from "../../src/protocol/index.ts";

// Nothing listens here: the connection is never started, so every send stays in the outbox.
const server = parseServerAddress("127.0.0.1:9");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function offlineConnection() {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-outbox-"));
  dirs.push(dir);
  const files = clientFiles(dir, dir, server, "alice");
  const state = DeviceState.open(files, server, "alice");
  return { files, path: files.state, connection: new ChatConnection({ server, token: "t", state }) };
}

/** The outbox reaches the disk on the tick after `send`, before anything would be sent. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("outbox on disk", () => {
  test("messages typed while offline are kept on disk in order, with their ids", async () => {
    const { path, connection } = offlineConnection();
    const first = connection.send("bob", "one");
    const second = connection.send("#team", "two");
    await nextTick();
    const saved = readStateFile(path, server, "alice").outbox;
    expect(saved.map((entry) => [entry.id, entry.to, "text" in entry && entry.text])).toEqual([
      [first.id, "bob", "one"],
      [second.id, "#team", "two"],
    ]);
    expect(first.id).not.toBe(second.id);
  });

  test("a restarted client finds the outbox again", async () => {
    const { files, connection } = offlineConnection();
    const entry = connection.send("bob", "survives a restart");
    await nextTick();
    const restarted = new ChatConnection({ server, token: "t", state: DeviceState.open(files, server, "alice") });
    expect(restarted.outbox).toEqual([entry]);
  });

  test("a message that could never be sent is refused at once and not queued", async () => {
    const { path, connection } = offlineConnection();
    expect(() => connection.send("not a name", "hi")).toThrow(ChatError);
    expect(() => connection.send("bob", "")).toThrow(/cannot be empty/);
    await nextTick();
    expect(readStateFile(path, server, "alice").outbox).toEqual([]);
  });

  test("waiting for an outbox that cannot drain ends with false after the bound", async () => {
    const { connection } = offlineConnection();
    expect(await connection.waitForOutbox(10)).toBe(true);
    connection.send("bob", "stuck");
    expect(await connection.waitForOutbox(20)).toBe(false);
  });
});

describe("outbox queue", () => {
  function queue() {
    const events: string[] = [];
    const entries: OutboxEntry[] = [];
    let onSend = () => {};
    /** Sent and not answered yet, as the connection would know. */
    const inFlight = new Set<string>();
    const outbox = new Outbox({
      entries,
      backoff: { initialMs: 1, maxMs: 5 },
      saveNow: () => events.push(`save ${entries.length}`),
      saveSoon: () => events.push("save soon"),
      transmit: (entry) => {
        if (inFlight.has(entry.id)) return;
        inFlight.add(entry.id);
        events.push(`send ${entry.type === "send" ? entry.text : entry.type}`);
        onSend();
      },
      awaitingAnswer: (id) => inFlight.has(id),
    });
    const nextSend = () => new Promise<void>((resolve) => (onSend = resolve));
    /** The server refused the entry for now. */
    const refuse = (entry: OutboxEntry, retryAfterMs?: number) => {
      inFlight.delete(entry.id);
      outbox.retryLater(entry, retryAfterMs);
    };
    const store = (entry: OutboxEntry) => {
      inFlight.delete(entry.id);
      outbox.settle(entry.id);
    };
    return { outbox, events, entries, nextSend, refuse, store };
  }

  test("messages of one tick are saved once, then sent in order", async () => {
    const { outbox, events } = queue();
    outbox.add({ type: "send", to: "bob", text: "one" });
    outbox.add({ type: "send", to: "bob", text: "two" });
    expect(events).toEqual([]);
    await nextTick();
    expect(events).toEqual(["save 2", "send one", "send two"]);
  });

  test("a retryable refusal sends the same entry again after the delay the server asked for", async () => {
    const { outbox, events, nextSend, refuse } = queue();
    const entry = outbox.add({ type: "send", to: "bob", text: "again" });
    await nextTick();
    const resent = nextSend();
    refuse(entry, 5);
    expect(outbox.held).toBe(true);
    await resent;
    expect(events.filter((event) => event === "send again")).toHaveLength(2);
    expect(outbox.entries).toEqual([entry]);
  });

  test("after a retryable refusal nothing later goes out until the answers in flight are in; then all are resent, oldest first", async () => {
    const { outbox, events, refuse, store, nextSend } = queue();
    const [one, two, three] = ["one", "two", "three"].map((text) => outbox.add({ type: "send", to: "bob", text }));
    await nextTick();
    expect(events.filter((event) => event.startsWith("send"))).toEqual(["send one", "send two", "send three"]);
    events.length = 0;

    refuse(one!, 1); // the store is down: one is refused, two and three are still in flight
    const four = outbox.add({ type: "send", to: "bob", text: "four" });
    await nextTick();
    await Bun.sleep(5); // the delay is over, but two and three have no answer yet
    expect(events.filter((event) => event.startsWith("send"))).toEqual([]);

    const resent = nextSend();
    store(three!); // another conversation's, say: stored
    refuse(two!, 1); // refused because one was
    await resent;
    expect(events.filter((event) => event.startsWith("send"))).toEqual(["send one", "send two", "send four"]);
    expect(outbox.held).toBe(false);
    for (const entry of [one!, two!, four]) store(entry);
    expect(outbox.entries).toEqual([]);
  });

  test("settling removes the entry, once", async () => {
    const { outbox } = queue();
    const entry = outbox.add({ type: "send", to: "bob", text: "done" });
    const drained = outbox.whenEmpty(1_000);
    expect(outbox.settle(entry.id)).toEqual(entry);
    expect(outbox.settle(entry.id)).toBeUndefined();
    expect(await drained).toBe(true);
  });
});
