import { afterEach, describe, expect, test } from "bun:test";
import { messagesIn } from "../helpers/api.ts";
import { ErrorBody, HistoryPage, type ServerFrame } from "../../src/protocol/index.ts";
import type { ServerConfig } from "../../src/server/config.ts";
import { loginUser, registerUser, startTestServer, TEST_PASSWORD, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(config: Partial<ServerConfig>): Promise<TestServer> {
  const started = await startTestServer({ config });
  cleanups.push(() => started.cleanup());
  return started;
}

async function connect(server: TestServer, token: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(server.wsUrl, token);
  cleanups.push(() => socket.close());
  return socket;
}

function postJson(server: TestServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function errorOf(response: Response) {
  return ErrorBody.parse(await response.json()).error;
}

type ErrorFrame = Extract<ServerFrame, { type: "error" }>;
const isError = (frame: ServerFrame): frame is ErrorFrame => frame.type === "error";

/** A rate so slow that no token comes back while a test runs: the burst is all there is. */
const NO_REFILL = 0.001;

describe("frame and message size", () => {
  test("a frame over --max-frame-bytes is refused with its cap named, and the connection stays usable", async () => {
    const chat = await server({ maxFrameBytes: 2048 });
    const alice = await registerUser(chat, "alice");
    await registerUser(chat, "bob");
    const socket = await connect(chat, alice.token);
    socket.send({ type: "send", id: "big", to: "bob", text: "é".repeat(1100) });
    const error = (await socket.next(isError)) as ErrorFrame;
    expect(error.code).toBe("frame_too_large");
    expect(error.message).toContain("2048 bytes");
    expect((await socket.sendMessage("bob", "still here")).seq).toBe(1);
  });

  test("a frame far beyond the cap is not even read: the connection closes with 1009", async () => {
    const chat = await server({ maxFrameBytes: 2048 });
    const alice = await registerUser(chat, "alice");
    const socket = await connect(chat, alice.token);
    socket.send("x".repeat(1024 * 1024 + 1));
    expect((await socket.closed()).code).toBe(1009);
  });

  test("a message over --max-message-length is refused with both lengths named", async () => {
    const chat = await server({ maxMessageLength: 100 });
    const alice = await registerUser(chat, "alice");
    await registerUser(chat, "bob");
    const socket = await connect(chat, alice.token);
    socket.send({ type: "send", id: "long", to: "bob", text: "y".repeat(101) });
    const error = (await socket.next(isError)) as ErrorFrame;
    expect(error).toMatchObject({ id: "long", code: "text_too_long" });
    expect(error.message).toContain("at most 100 characters; this one has 101");
  });
});

describe("rate limits", () => {
  test("a connection sending faster than its rate gets rate_limited with the wait and its request id", async () => {
    const chat = await server({ connectionFrameRate: NO_REFILL, connectionFrameBurst: 5 });
    const alice = await registerUser(chat, "alice");
    const socket = await connect(chat, alice.token);
    // hello took one token; four more frames fit the burst.
    for (let i = 0; i < 7; i++) socket.send({ type: "no-such-frame", id: `f-${i}` });
    const errors: ErrorFrame[] = [];
    for (let i = 0; i < 7; i++) errors.push((await socket.next(isError)) as ErrorFrame);
    expect(errors.map((error) => error.code)).toEqual(["bad_request", "bad_request", "bad_request", "bad_request", "rate_limited", "rate_limited", "rate_limited"]);
    const limited = errors[4]!;
    expect(limited.id).toBe("f-4");
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.message).toContain("too fast");
  });

  test("one user's messages are limited across all their devices; a refused message is not stored, the others arrive", async () => {
    const chat = await server({ userMessageRate: NO_REFILL, userMessageBurst: 3 });
    const alice = await registerUser(chat, "alice", TEST_PASSWORD, "laptop");
    const alicePhone = await loginUser(chat, "alice", TEST_PASSWORD, "phone");
    const bob = await registerUser(chat, "bob");
    const [laptop, phone, bobSocket] = await Promise.all([connect(chat, alice.token), connect(chat, alicePhone.token), connect(chat, bob.token)]);
    await laptop.sendMessage("bob", "one");
    await phone.sendMessage("bob", "two");
    await laptop.sendMessage("bob", "three");
    phone.send({ type: "send", id: "four", to: "bob", text: "four" });
    const refused = (await phone.next((frame) => frame.type !== "message" && "id" in frame && frame.id === "four")) as ErrorFrame;
    expect(refused).toMatchObject({ type: "error", code: "rate_limited" });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.message).toContain("sending messages too fast");
    // Bob's own messages have their own bucket.
    await bobSocket.sendMessage("alice", "bob is not limited by alice");
    const received = [await bobSocket.nextMessage(), await bobSocket.nextMessage(), await bobSocket.nextMessage()];
    expect(received.map((message) => message.text)).toEqual(["one", "two", "three"]);
    const history = HistoryPage.parse(
      await (await fetch(`${chat.url}/api/history?with=alice`, { headers: { authorization: `Bearer ${bob.token}` } })).json(),
    );
    expect(messagesIn(history).map((message) => message.text)).toEqual(["bob is not limited by alice", "three", "two", "one"]);
  });
});

describe("a store that falls behind", () => {
  test("past --max-queued-messages sends are refused with rate_limited and nothing is lost: retried with the same ids, each arrives once", async () => {
    // No per-user or per-connection limit: only the queue's bound may refuse.
    const chat = await server({ maxQueuedMessages: 5, userMessageRate: 0, connectionFrameRate: 0 });
    const alice = await registerUser(chat, "alice");
    const bob = await registerUser(chat, "bob");
    const [aliceSocket, bobSocket] = await Promise.all([connect(chat, alice.token), connect(chat, bob.token)]);
    const ids = Array.from({ length: 100 }, (_, index) => `m-${String(index).padStart(3, "0")}`);
    const answerTo = (id: string) => aliceSocket.next((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === id);
    // Sent at once, the burst outruns the queue: the messages read before the next commit fill it.
    for (const id of ids) aliceSocket.send({ type: "send", id, to: "bob", text: id });
    const answers = await Promise.all(ids.map(answerTo));
    const refused = answers.filter(isError);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(ids.length);
    for (const error of refused) expect(error).toMatchObject({ code: "rate_limited", retryAfterMs: 250 });
    expect(refused[0]!.message).toContain("waiting to be stored");

    // Sent again one at a time, they cannot fill the queue.
    for (const { id } of refused) expect((await aliceSocket.sendMessage("bob", id!, id!)).id).toBe(id!);
    const arrived: string[] = [];
    while (arrived.length < ids.length) arrived.push((await bobSocket.nextMessage()).text);
    expect([...arrived].sort()).toEqual(ids);
    expect(bobSocket.pending().filter((frame) => frame.type === "message")).toEqual([]);
  });
});

describe("caps", () => {
  test("a user can have at most --max-devices devices, and the refusal names the cap", async () => {
    const chat = await server({ maxDevices: 2 });
    const first = await registerUser(chat, "alice");
    await loginUser(chat, "alice");
    const third = await postJson(chat, "/api/login", { name: "alice", password: TEST_PASSWORD });
    expect(third.status).toBe(403);
    const error = await errorOf(third);
    expect(error.code).toBe("limit_reached");
    expect(error.message).toContain("at most 2 devices");
    // Logging one out makes room.
    const list = (await (await fetch(`${chat.url}/api/devices`, { headers: { authorization: `Bearer ${first.token}` } })).json()) as {
      devices: Array<{ id: number; current: boolean }>;
    };
    const other = list.devices.find((device) => !device.current)!;
    const revoked = await fetch(`${chat.url}/api/devices/${other.id}`, { method: "DELETE", headers: { authorization: `Bearer ${first.token}` } });
    expect(revoked.status).toBe(204);
    expect((await postJson(chat, "/api/login", { name: "alice", password: TEST_PASSWORD })).status).toBe(200);
  });
});

describe("login throttling", () => {
  test("a name that failed too often is locked, even for the right password; the answer says how long to wait", async () => {
    const chat = await server({ loginFailures: 3, loginLockoutSeconds: 60 });
    await registerUser(chat, "alice");
    await registerUser(chat, "bob");
    for (let i = 0; i < 3; i++) {
      expect(await errorOf(await postJson(chat, "/api/login", { name: "alice", password: `guess number ${i}` }))).toMatchObject({ code: "wrong_password" });
    }
    const locked = await postJson(chat, "/api/login", { name: "alice", password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(50);
    const error = await errorOf(locked);
    expect(error.code).toBe("rate_limited");
    expect(error.message).toMatch(/^Too many failed logins for 'alice': try again in \d+ seconds\.$/);
    expect(error.retryAfterMs).toBeGreaterThan(50_000);
    // Another account is not affected.
    expect((await postJson(chat, "/api/login", { name: "bob", password: TEST_PASSWORD })).status).toBe(200);
  });

  test("one address may only try so many logins and registrations", async () => {
    const chat = await server({ authAttemptsPerMinute: 3 });
    expect((await postJson(chat, "/api/register", { name: "alice", password: TEST_PASSWORD })).status).toBe(201);
    expect((await postJson(chat, "/api/login", { name: "alice", password: "wrong password" })).status).toBe(401);
    expect((await postJson(chat, "/api/login", { name: "nobody", password: TEST_PASSWORD })).status).toBe(404);
    const refused = await postJson(chat, "/api/register", { name: "bob", password: TEST_PASSWORD });
    expect(refused.status).toBe(429);
    const error = await errorOf(refused);
    expect(error.code).toBe("rate_limited");
    expect(error.message).toContain("from your address");
    expect(error.retryAfterMs).toBeGreaterThan(0);
  });
});
