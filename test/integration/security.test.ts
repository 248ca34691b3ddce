import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DeviceList, HistoryPage, type ServerFrame, type Session } from "../../src/protocol/index.ts";
import { apiAs, codeOf, messagesIn } from "../helpers/api.ts";
import { loginUser, registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

let server: TestServer;
let alice: Session;
let bob: Session;
let mallory: Session;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  alice = await registerUser(server, "alice");
  bob = await registerUser(server, "bob");
  mallory = await registerUser(server, "mallory");
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  await server.cleanup();
});

async function connect(session: Session, cursors?: Record<string, number>): Promise<TestSocket> {
  const socket = await TestSocket.connect(server.wsUrl, session.token, cursors);
  sockets.push(socket);
  socket.acknowledgeMessages();
  return socket;
}

type Message = Extract<ServerFrame, { type: "message" }>;

/** Opens a WebSocket with `token`: "open" or "refused". */
function tryWebSocket(token: string): Promise<"open" | "refused"> {
  return TestSocket.open(server.wsUrl, token).then(
    (socket) => {
      sockets.push(socket);
      return "open" as const;
    },
    () => "refused" as const,
  );
}

describe("identity comes from the token, never from the frame", () => {
  test("forged sender, conversation and group fields are ignored", async () => {
    const [aliceSocket, bobSocket, mallorySocket] = await Promise.all([connect(alice), connect(bob), connect(mallory)]);
    const malloryToBob = await mallorySocket.sendMessage("bob", "a conversation mallory has with bob");
    await bobSocket.nextMessage();

    // alice claims to be mallory, aims at mallory's conversation with bob and at a group.
    aliceSocket.send({ type: "send", id: "forged-1", to: "bob", text: "who am I?", from: "mallory", sender: "mallory", conv: malloryToBob.conv, group: "#team" });
    const sent = await aliceSocket.next((frame) => frame.type === "sent" && frame.id === "forged-1");
    const received = await bobSocket.nextMessage();
    expect(received).toMatchObject({ from: "alice", to: "bob", text: "who am I?" });
    expect(received.conv).not.toBe(malloryToBob.conv);
    expect((sent as { conv: number }).conv).toBe(received.conv);
  });
});

describe("revoked and logged-out tokens", () => {
  test("after logout the token is refused on HTTP and WebSocket, and its open socket is closed", async () => {
    const session = await loginUser(server, "alice", undefined, "borrowed laptop");
    const socket = await connect(session);
    const response = await fetch(`${server.url}/api/logout`, { method: "POST", headers: { authorization: `Bearer ${session.token}` } });
    expect(response.status).toBe(204);
    expect((await socket.closed()).code).toBe(4001);
    const api = apiAs(server.url, session.token);
    for (const answer of [await api.get("/api/devices"), await api.get("/api/history?with=bob"), await api.post("/api/logout")]) {
      expect(answer.status).toBe(401);
      expect(codeOf(answer)).toBe("unauthorized");
    }
    expect(await tryWebSocket(session.token)).toBe("refused");
  });

  test("a device revoked from another device loses HTTP and WebSocket at once", async () => {
    const phone = await loginUser(server, "bob", undefined, "stolen phone");
    const phoneSocket = await connect(phone);
    const bobApi = apiAs(server.url, bob.token);
    const devices = DeviceList.parse((await bobApi.get("/api/devices")).body).devices;
    const stolen = devices.find((device) => device.name === "stolen phone")!;
    expect((await bobApi.delete(`/api/devices/${stolen.id}`)).status).toBe(204);
    expect((await phoneSocket.closed()).code).toBe(4001);
    expect((await apiAs(server.url, phone.token).get("/api/devices")).status).toBe(401);
    expect(await tryWebSocket(phone.token)).toBe("refused");
  });

  test("nobody can revoke another user's device", async () => {
    const bobDevices = DeviceList.parse((await apiAs(server.url, bob.token).get("/api/devices")).body).devices;
    const answer = await apiAs(server.url, mallory.token).delete(`/api/devices/${bobDevices[0]!.id}`);
    expect(answer.status).toBe(404);
    expect((await apiAs(server.url, bob.token).get("/api/devices")).status).toBe(200);
  });
});

describe("other people's conversations stay theirs", () => {
  test("history 'with' a user is always one's own conversation with them", async () => {
    const aliceSocket = await connect(alice);
    await aliceSocket.sendMessage("bob", "only for bob");
    await aliceSocket.sendMessage("mallory", "for mallory");
    const page = HistoryPage.parse((await apiAs(server.url, mallory.token).get("/api/history?with=alice")).body);
    expect(messagesIn(page).map((message) => [message.from, message.to, message.text])).toEqual([["alice", "mallory", "for mallory"]]);
  });

  test("cursors, acks and read marks for a conversation one is not in reveal and move nothing", async () => {
    const aliceSocket = await connect(alice);
    const sent = await aliceSocket.sendMessage("bob", "private to bob");
    const mallorySocket = await connect(mallory, { [sent.conv]: 0 });
    expect(mallorySocket.pending().filter((frame) => frame.type === "message" && frame.conv === sent.conv)).toEqual([]);
    mallorySocket.send({ type: "received", conv: sent.conv, seq: sent.seq });
    mallorySocket.send({ type: "read", conv: sent.conv, seq: sent.seq });
    // Bob's view of alice's message is untouched: still only stored.
    const bobHistory = HistoryPage.parse((await apiAs(server.url, alice.token).get("/api/history?with=bob&limit=1")).body);
    expect(messagesIn(bobHistory)[0]).toMatchObject({ text: "private to bob", status: "sent" });
    // And mallory got nothing about it, neither messages nor receipts, up to a marker sent after.
    await aliceSocket.sendMessage("mallory", "marker");
    await mallorySocket.next((frame) => frame.type === "message" && frame.text === "marker");
    expect(mallorySocket.pending().filter((frame) => "conv" in frame && frame.conv === sent.conv)).toEqual([]);
  });

  test("a group's data is for its members only", async () => {
    const aliceApi = apiAs(server.url, alice.token);
    expect((await aliceApi.post("/api/groups", { name: "secret-club", members: ["bob"] })).status).toBe(201);
    const malloryApi = apiAs(server.url, mallory.token);
    for (const answer of [
      await malloryApi.get("/api/groups/secret-club"),
      await malloryApi.get("/api/groups/secret-club/receipts?seq=1"),
      await malloryApi.get("/api/history?with=%23secret-club"),
      await malloryApi.post("/api/groups/secret-club/members", { user: "mallory" }),
    ]) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(["not_member", "forbidden"]).toContain(codeOf(answer));
    }
    const mallorySocket = await connect(mallory);
    mallorySocket.send({ type: "send", id: "gatecrash", to: "#secret-club", text: "let me in" });
    expect(await mallorySocket.next((frame) => frame.type === "error" && frame.id === "gatecrash")).toMatchObject({ code: "not_member" });
  });
});

describe("hostile text is stored and returned exactly", () => {
  const hostile = [
    "'); DROP TABLE messages; --",
    "Robert'); DELETE FROM users WHERE ('1'='1",
    '<script>alert("xss")</script><img src=x onerror=alert(1)>',
    "bell\u0007 escape\u001b[2J\u001b[31mred\u001b[0m backspace\b del\u007f c1\u0085\u009b",
    "line one\r\nline two\u2028line three",
    "\u202eevil\u202c and \u200fright-to-left\u200e and \u2066isolate\u2069",
    "עברית وعربي mixed with English",
    "zero\u200bwidth\ufeffBOM and 😀👍🏽 and e\u0301",
    "%s %d {{template}} ${injection} \\u0000",
  ];

  test("messages with SQL, HTML, control characters and direction marks arrive and come back from history unchanged", async () => {
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    for (const text of hostile) await aliceSocket.sendMessage("bob", text);
    const live: Message[] = [];
    for (let i = 0; i < hostile.length; i++) live.push(await bobSocket.nextMessage());
    expect(live.map((message) => message.text)).toEqual(hostile);

    const history = HistoryPage.parse((await apiAs(server.url, bob.token).get(`/api/history?with=alice&limit=${hostile.length}`)).body);
    expect(messagesIn(history).map((message) => message.text).reverse()).toEqual(hostile);

    // And from the store itself, after a restart.
    const fresh = await startTestServer({ dataDir: server.dataDir });
    try {
      const afterRestart = HistoryPage.parse(
        await (await fetch(`${fresh.url}/api/history?with=alice&limit=${hostile.length}`, { headers: { authorization: `Bearer ${bob.token}` } })).json(),
      );
      expect(messagesIn(afterRestart).map((message) => message.text).reverse()).toEqual(hostile);
    } finally {
      await fresh.stop();
    }
  });

  test("text no store could keep as sent (NUL, half a surrogate pair) is refused, not silently altered", async () => {
    const aliceSocket = await connect(alice);
    for (const [id, text] of [["nul", "a\u0000b"], ["half-pair", "half \ud800 pair"], ["reversed-pair", "\udc00\ud800"]] as const) {
      aliceSocket.send({ type: "send", id, to: "bob", text });
      const error = await aliceSocket.next((frame) => frame.type === "error" && frame.id === id);
      expect(error).toMatchObject({ code: "bad_request" });
      expect((error as { message: string }).message).toContain("valid Unicode");
    }
    expect((await aliceSocket.sendMessage("bob", "a whole pair is fine: \ud83d\ude00")).seq).toBeGreaterThan(0);
  });

  test("device names are kept as given; names with SQL or HTML are refused by the name rules, not by accident", async () => {
    const deviceName = "<b>Bob's</b> 'phone'; --\u202e";
    const session = await loginUser(server, "bob", undefined, deviceName);
    const devices = DeviceList.parse((await apiAs(server.url, session.token).get("/api/devices")).body).devices;
    expect(devices.find((device) => device.current)!.name).toBe(deviceName);
    for (const name of ["robert'); drop table users;--", "<script>", "al\u202eice", "bob\u0000"]) {
      const response = await fetch(`${server.url}/api/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, password: "a fine password" }),
      });
      expect(response.status).toBe(400);
      expect(codeOf({ body: await response.json() })).toBe("bad_request");
    }
    const lookup = await apiAs(server.url, bob.token).get(`/api/history?with=${encodeURIComponent("alice' OR '1'='1")}`);
    expect(lookup.status).toBe(400);
  });
});
