import { makeContacts } from "../helpers/deployments.ts";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerAddress } from "../../src/client/sdk/address.ts";
import { ChatApi } from "../../src/client/sdk/api.ts";
import { readStateFile } from "../../src/client/sdk/state-file.ts";
import { ChatError, type Session } from "../../src/protocol/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { freePort } from "../helpers/free-port.ts";
import { SdkDevice as Device } from "../helpers/sdk-device.ts";
import { loginUser, registerUser, startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
const dirs: string[] = [];
const devices: Device[] = [];
let userCounter = 0;

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-it-"));
  dirs.push(dir);
  return dir;
}

/** A device with fresh files (or those in `dir`), logged in with `session`. */
function device(session: Session, dir = stateDir(), on: TestServer = server): Device {
  const created = new Device(on, dir, session.user, session.token);
  devices.push(created);
  return created;
}

/** Registers a user with a name unique to this run, so the tests do not depend on each other. */
async function user(prefix: string, on: TestServer = server): Promise<Session> {
  userCounter += 1;
  return registerUser(on, `${prefix}${userCounter}`);
}

beforeAll(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((each) => each.stop()));
});

afterAll(async () => {
  await server.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("client SDK against a real server", () => {
  test("a message to an offline user arrives once when they connect, and not again on the next connect", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    const sender = await device(alice).ready();
    sender.connection.send(bob.user, "while you were away");
    await sender.until(() => sender.stored.length === 1, "the server's ack");

    const bobDir = stateDir();
    const first = await device(bob, bobDir).ready();
    expect(first.texts).toEqual(["while you were away"]);
    expect(first.messages[0]?.from).toBe(alice.user);
    await first.stop();
    expect(readStateFile(first.files.state, parseServerAddress(server.url), bob.user).cursors).toEqual({
      [String(first.messages[0]?.conv)]: first.messages[0]?.seq ?? -1,
    });

    const again = await device(bob, bobDir).ready();
    expect(again.messages).toEqual([]);
  });

  test("the outbox survives a restart and is sent with its id, once, even when the ack was lost", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    const receiver = await device(bob).ready();

    // Typed while the client could not connect, then the client quit.
    const aliceDir = stateDir();
    const offline = device(alice, aliceDir);
    const aliceState = offline.files.state;
    const queued = offline.connection.send(bob.user, "queued while offline");
    await offline.stop();
    expect(readStateFile(aliceState, parseServerAddress(server.url), alice.user).outbox.map((entry) => entry.id)).toEqual([queued.id]);

    const restarted = await device(alice, aliceDir).ready();
    await restarted.until(() => restarted.stored.length === 1, "the ack of the queued message");
    expect(restarted.stored[0]?.entry.id).toBe(queued.id);
    expect(restarted.connection.outbox).toEqual([]);
    await restarted.stop();

    // A crash after the server stored it but before the client saved the ack: the entry comes back.
    const state = readStateFile(aliceState, parseServerAddress(server.url), alice.user);
    writeFileSync(aliceState, JSON.stringify({ ...state, outbox: [queued] }));
    const afterCrash = await device(alice, aliceDir).ready();
    await afterCrash.until(() => afterCrash.stored.length === 1, "the ack of the resent message");
    expect(afterCrash.stored[0]).toMatchObject({ entry: { id: queued.id }, seq: restarted.stored[0]?.seq });

    // A later message arrives after anything stored before it, so a duplicate would show up first.
    afterCrash.connection.send(bob.user, "marker");
    await receiver.until(() => receiver.texts.includes("marker"), "the marker");
    expect(receiver.texts).toEqual(["queued while offline", "marker"]);
  });

  test("a device resumes after the server went away: no gap, no duplicate, and the sender's outbox drains", async () => {
    let own = await startTestServer();
    const { dataDir, port } = own;
    try {
      const alice = await user("alice", own);
      const bob = await user("bob", own);
      const sender = await device(alice, undefined, own).ready();
      const receiver = await device(bob, undefined, own).ready();
      for (const text of ["one", "two", "three"]) sender.connection.send(bob.user, text);
      await receiver.until(() => receiver.messages.length === 3, "the first three messages");

      await own.stop();
      await receiver.until(() => receiver.statuses.at(-1)?.state === "offline", "bob noticing the server is gone");
      await sender.until(() => !sender.isReady, "alice noticing the server is gone");
      for (const text of ["four", "five", "six"]) sender.connection.send(bob.user, text);

      own = await startTestServer({ dataDir, config: { port } });
      await receiver.until(() => receiver.messages.length >= 6, "the three messages sent while the server was down");
      expect(receiver.texts).toEqual(["one", "two", "three", "four", "five", "six"]);
      await sender.until(() => sender.connection.outbox.length === 0, "alice's outbox to drain");
      const seqs = receiver.messages.map((message) => message.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      await Promise.all(devices.splice(0).map((each) => each.stop()));
      await own.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("two devices of one user each get every message once, in order", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    const bobPhone = await loginUser(server, bob.user, undefined, "phone");
    const laptop = await device(bob).ready();
    const phone = await device(bobPhone).ready();
    const sender = await device(alice).ready();
    const texts = ["a", "b", "c", "d", "e"];
    for (const text of texts) sender.connection.send(bob.user, text);
    await laptop.until(() => laptop.messages.length === texts.length, "every message on the laptop");
    await phone.until(() => phone.messages.length === texts.length, "every message on the phone");
    expect(laptop.texts).toEqual(texts);
    expect(phone.texts).toEqual(texts);
  });

  test("a message sent from one device reaches the user's other device as their own", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    const alicePhone = await loginUser(server, alice.user, undefined, "phone");
    const laptop = await device(alice).ready();
    const phone = await device(alicePhone).ready();
    laptop.connection.send(bob.user, "from the laptop");
    await phone.until(() => phone.messages.length === 1, "the copy on the phone");
    expect(phone.messages[0]).toMatchObject({ from: alice.user, to: bob.user, text: "from the laptop" });
  });

  test("delivered and read receipts reach the sender, also when it was offline at the time", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    await makeContacts(server, alice, bob);
    const aliceDir = stateDir();
    const sender = await device(alice, aliceDir).ready();
    sender.connection.send(bob.user, "did you read this?");
    await sender.until(() => sender.stored.length === 1, "the ack");
    const { seq } = sender.stored[0] ?? { seq: -1 };
    await sender.stop();

    const reader = await device(bob).ready();
    expect(reader.texts).toEqual(["did you read this?"]);
    const message = reader.messages[0];
    if (message) reader.connection.markRead(message.conv, message.seq);
    await reader.stop(); // sends the pending acks and read mark first

    const back = await device(alice, aliceDir).ready();
    await back.until(
      () => back.receipts.some((receipt) => receipt.by === bob.user && (receipt.read ?? 0) >= seq && (receipt.delivered ?? 0) >= seq),
      "bob's delivered and read marks",
    );
  });

  test("a message to a name that does not exist is refused, reported, and leaves the outbox", async () => {
    const alice = await user("alice");
    const sender = await device(alice).ready();
    const entry = sender.connection.send("nobody-here", "hello?");
    await sender.until(() => sender.rejected.length === 1, "the refusal");
    expect(sender.rejected[0]).toMatchObject({ entry: { id: entry.id }, code: "unknown_user" });
    expect(sender.rejected[0]?.message).toContain("nobody-here");
    expect(sender.connection.outbox).toEqual([]);
  });

  test("a device logged out from another device stops with the reason 'revoked'", async () => {
    const bob = await user("bob");
    const bobPhone = await loginUser(server, bob.user, undefined, "phone");
    const phone = await device(bobPhone).ready();
    await new ChatApi(parseServerAddress(server.url)).revokeDevice(bob.token, bobPhone.device.id);
    await phone.until(() => phone.statuses.at(-1)?.state === "stopped", "the phone to stop");
    expect(phone.statuses.at(-1)).toEqual({ state: "stopped", reason: "revoked" });
  });

  test("a token the server does not accept stops the connection with the reason 'unauthorized'", async () => {
    const alice = await user("alice");
    const stranger = await device({ ...alice, token: "not-a-real-token" }).start();
    await stranger.until(() => stranger.statuses.at(-1)?.state === "stopped", "the connection to stop");
    expect(stranger.statuses.at(-1)).toEqual({ state: "stopped", reason: "unauthorized" });
  });

  test("an unreachable server is reported with a reason and retried", async () => {
    const nowhere = { ...server, url: `http://127.0.0.1:${freePort()}` };
    const lonely = device({ user: "alice", token: "t", device: { id: 1, name: "x" } }, undefined, nowhere).start();
    await lonely.until(() => lonely.statuses.filter((status) => status.state === "offline").length >= 2, "two failed attempts");
    const offline = lonely.statuses.find((status) => status.state === "offline");
    expect(offline).toMatchObject({ state: "offline", wasReady: false, reason: "connection refused" });
  });
});

describe("groups through the client SDK", () => {
  test("a group message reaches every member, and the sender's ticks follow the group's lowest marks", async () => {
    const [alice, bob, carol] = [await user("alice"), await user("bob"), await user("carol")];
    const api = new ChatApi(parseServerAddress(server.url));
    const team = `team${userCounter}`;
    const info = await api.createGroup(alice.token, team, [bob.user, carol.user]);
    expect(info.members).toEqual([
      { name: alice.user, role: "admin" },
      { name: bob.user, role: "member" },
      { name: carol.user, role: "member" },
    ]);
    const [sender, bobDevice, carolDevice] = await Promise.all([device(alice).ready(), device(bob).ready(), device(carol).ready()]);

    sender.connection.send(`#${team}`, "Hello all");
    await sender.until(() => sender.stored.length === 1, "the ack");
    const { conv, seq } = sender.stored[0] ?? { conv: -1, seq: -1 };
    const groupMark = (kind: "delivered" | "read") => () =>
      sender.receipts.some((receipt) => receipt.conv === conv && receipt.by === `#${team}` && (receipt[kind] ?? 0) >= seq);
    for (const member of [bobDevice, carolDevice]) {
      await member.until(() => member.messages.length === 1, "the group message");
      expect(member.messages[0]).toMatchObject({ from: alice.user, to: `#${team}`, text: "Hello all", conv, seq });
    }
    await sender.until(groupMark("delivered"), "✓✓ once every member has it");

    bobDevice.connection.markRead(conv, seq);
    await eventually("bob's read", () => api.groupReceipts(alice.token, team, seq), (receipts) => receipts.readBy.length === 1);
    // carol has not read it: the group's read mark stays below. The next group receipt shows it, and one
    // is sure to come when a second message reaches everyone (its ✓✓ moves the group's delivered mark).
    sender.connection.send(`#${team}`, "And again");
    await sender.until(() => sender.stored.length === 2, "the second ack");
    const second = sender.stored[1]!.seq;
    const groupReceipts = () => sender.receipts.filter((receipt) => receipt.conv === conv && receipt.by === `#${team}`);
    await sender.until(() => groupReceipts().some((receipt) => (receipt.delivered ?? 0) >= second), "✓✓ of the second message");
    expect(groupReceipts().at(-1)!.read ?? 0).toBeLessThan(seq);
    carolDevice.connection.markRead(conv, seq);
    await sender.until(groupMark("read"), "read once every member read it");
    expect(await api.groupReceipts(alice.token, team, seq)).toEqual({
      seq,
      members: 2,
      deliveredTo: [bob.user, carol.user],
      readBy: [bob.user, carol.user],
    });
  });

  test("a refused group change is a ChatError carrying the server's sentence", async () => {
    const [alice, bob] = [await user("alice"), await user("bob")];
    const api = new ChatApi(parseServerAddress(server.url));
    const team = `team${userCounter}`;
    await api.createGroup(alice.token, team, [bob.user]);
    const refusal = (request: Promise<unknown>) => request.then(() => undefined, (error: unknown) => error);
    const unknown = await refusal(api.addGroupMember(alice.token, team, "nobody-here"));
    expect(unknown).toBeInstanceOf(ChatError);
    expect(unknown).toMatchObject({ code: "unknown_user", message: "There is no user named 'nobody-here'." });
    const forbidden = await refusal(api.addGroupMember(bob.token, team, alice.user));
    expect(forbidden).toMatchObject({ code: "forbidden", message: `Only admins of #${team} can do that.` });
    await api.removeGroupMember(bob.token, team, bob.user);
    expect((await api.groups(bob.token)).groups).toEqual([]);
    expect(await api.setPrivacy(bob.token, { hideLastSeen: true })).toEqual({ hideLastSeen: true, readReceipts: true, groupAdds: "everyone" });
  });
});
