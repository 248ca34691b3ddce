import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { ClientFrame, ErrorBody, HistoryPage, type ServerFrame, type Session } from "../../src/protocol/index.ts";
import { SQLITE_FILE_NAME } from "../../src/store/sqlite/index.ts";
import { OPCODES, RawWebSocket } from "../helpers/raw-websocket.ts";
import { loginUser, registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

/**
 * Hostile input while a well-behaved pair chats: thousands of random and
 * malformed WebSocket frames and HTTP requests, on loopback, bounded in count.
 * A failure prints the seed; FUZZ_SEED=<seed> replays the same run.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** The soak (bench/README.md) runs the fuzzers longer (SOAK_SCALE=5: five times the frames); `bun test` keeps them quick. */
const SOAK_SCALE = Number(process.env.SOAK_SCALE ?? 1);
const FUZZERS = 4;
const FRAMES_PER_FUZZER = 1500 * SOAK_SCALE;
const FRAMES_PER_CONNECTION = 300;
const BATCH = 50;
const HTTP_REQUESTS = 1200;
const RAW_HTTP_REQUESTS = 60;
const GOOD_MESSAGES = 150;
const MAX_FRAME_BYTES = 4096;
const MAX_MESSAGE_LENGTH = 1000;
const FUZZER_NAMES = Array.from({ length: FUZZERS }, (_, i) => `fuzzer${i}`);
const EXISTING_USERS = new Set(["alice", "bob", ...FUZZER_NAMES]);
/** What a bad frame may be answered with: anything else (above all `internal`) is a bug. */
const EXPECTED_CODES = new Set(["bad_request", "frame_too_large", "text_too_long", "unknown_user", "not_member", "unknown_message", "forbidden", "id_taken"]);

/** mulberry32: small, fast, and the same sequence for the same seed. */
function randomSource(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const bytes = (length: number) => Uint8Array.from({ length }, () => int(256));
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof randomSource>;

const AWKWARD_STRINGS = [
  "", " ", "\u0000", "\ud800", "\udfff\ud800", "\u202e\u202d", "\u200f", "\ufeff", "😀", "e\u0301", "\u001b[2J", "\r\n", "\\", '"', "null",
  "'; DROP TABLE messages; --", "<script>alert(1)</script>", "%00", "../../etc/passwd", "#", "#team", "__proto__", "constructor", "bob", "alice",
];
const KEYS = ["type", "id", "to", "text", "conv", "seq", "cursors", "from", "sender", "__proto__", "constructor", "group", ""];
const TYPES = ["hello", "send", "received", "read", "typing", "message", "error", "", "SEND", "send ", 7, null];

function randomString(random: Random, maxLength = 40): string {
  if (random.chance(0.3)) return random.pick(AWKWARD_STRINGS);
  const length = random.int(maxLength);
  let text = "";
  for (let i = 0; i < length; i++) {
    const range = random.int(4);
    const code = range === 0 ? random.int(32) : range === 1 ? 32 + random.int(95) : range === 2 ? 0x80 + random.int(0x2000) : random.int(0x10000);
    text += String.fromCharCode(code);
  }
  return text;
}

function randomValue(random: Random, depth = 0): unknown {
  const kind = random.int(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, -0, random.int(100)]);
    case 3:
    case 4:
      return randomString(random);
    case 5:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: random.int(5) }, () => [random.pick(KEYS), randomValue(random, depth + 1)]));
  }
}

function validFrameTemplate(random: Random, peers: string[]): Record<string, unknown> {
  return random.pick([
    () => ({ type: "send", id: `f${random.int(1e6)}`, to: random.pick(peers), text: "hello" }),
    () => ({ type: "received", conv: 1 + random.int(50), seq: random.int(100) }),
    () => ({ type: "read", conv: 1 + random.int(50), seq: random.int(100) }),
    () => ({ type: "typing", to: random.pick(peers) }),
    () => ({ type: "hello", id: "again" }),
  ])();
}

/** A text frame: most are malformed in one way or another; some are fine and must be answered normally. */
function fuzzText(random: Random, peers: string[]): string {
  switch (random.int(10)) {
    case 0:
      return randomString(random, 200);
    case 1: {
      const json = JSON.stringify(validFrameTemplate(random, peers));
      return json.slice(0, random.int(json.length));
    }
    case 2:
      return JSON.stringify(randomValue(random));
    case 3: {
      const frame = validFrameTemplate(random, peers);
      const key = random.pick(Object.keys(frame));
      if (random.chance(0.5)) delete frame[key];
      else frame[key] = randomValue(random);
      if (random.chance(0.5)) frame[random.pick(KEYS)] = random.chance(0.5) ? random.pick(TYPES) : randomValue(random);
      return JSON.stringify(frame);
    }
    case 4:
      return JSON.stringify({ type: "send", id: "big", to: random.pick(peers), text: "x".repeat(MAX_FRAME_BYTES + random.int(3 * MAX_FRAME_BYTES)) });
    case 5: {
      const depth = 10 + random.int(1800);
      return random.chance(0.5) ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth / 5) + "1" + "}".repeat(depth / 5);
    }
    case 6:
      return JSON.stringify({ type: "send", id: `long${random.int(1e6)}`, to: random.pick(peers), text: "y".repeat(MAX_MESSAGE_LENGTH + 1 + random.int(1000)) });
    case 7:
      return JSON.stringify({ type: "send", id: `who${random.int(1e6)}`, to: random.pick(["nobody", "#nogroup", "x".repeat(40), "Bad Name", "#"]), text: "hi" });
    case 8:
      // Lone surrogates and NUL written as JSON escapes: valid JSON, invalid text.
      return `{"type":"send","id":"u${random.int(1e6)}","to":"${random.pick(peers)}","text":"${random.pick(["\\ud800", "a\\udc00b", "\\u0000"])}"}`;
    default:
      return JSON.stringify({ ...validFrameTemplate(random, peers), [random.pick(KEYS)]: randomValue(random) });
  }
}

/**
 * Whether the server answers this text frame (an error, or `sent`). Valid
 * acks and read marks are answered by nothing, and so is typing to a user who
 * exists; a valid send to a good client is steered to another fuzzer so the
 * pair's view stays clean.
 */
function prepare(text: string, fuzzPeers: string[], random: Random): { text: string; answered: boolean } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { text, answered: true };
  }
  if (text.length > MAX_FRAME_BYTES) return { text, answered: true };
  const parsed = ClientFrame.safeParse(json);
  if (!parsed.success) return { text, answered: true };
  if (parsed.data.type === "send") {
    if (parsed.data.to === "alice" || parsed.data.to === "bob") {
      return { text: JSON.stringify({ ...(json as object), to: random.pick(fuzzPeers) }), answered: true };
    }
    return { text, answered: true };
  }
  if (parsed.data.type === "typing") return { text, answered: !EXISTING_USERS.has(parsed.data.to) };
  return { text, answered: parsed.data.type === "hello" };
}

/** The last frame of a connection: each breaks the WebSocket protocol, so the server must close the connection. */
function protocolViolation(random: Random, raw: RawWebSocket): string {
  const violations: Array<[string, () => void]> = [
    ["invalid UTF-8 text", () => raw.sendFrame(OPCODES.text, Uint8Array.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]))],
    ["unmasked frame", () => raw.sendFrame(OPCODES.text, Buffer.from('{"type":"hello","id":"x"}'), { mask: false })],
    ["reserved opcode", () => raw.sendFrame(0x3, Buffer.from("?"))],
    ["reserved bits", () => raw.sendFrame(OPCODES.text, Buffer.from("{}"), { rsv: 1 + random.int(7) })],
    ["fragmented ping", () => raw.sendFrame(OPCODES.ping, Buffer.from("p"), { fin: false })],
    ["oversized ping", () => raw.sendFrame(OPCODES.ping, new Uint8Array(200))],
    ["continuation without a start", () => raw.sendFrame(OPCODES.continuation, Buffer.from("tail"))],
    ["frame above the hard cap", () => raw.sendFrame(OPCODES.text, new Uint8Array(1024 * 1024 + 1 + random.int(4096)).fill(0x61))],
    ["close with a reserved code", () => raw.sendFrame(OPCODES.close, Uint8Array.from([0x03, 0xe7]))],
  ];
  const [name, send] = random.pick(violations);
  send();
  return name;
}

interface FuzzReport {
  framesSent: number;
  answered: number;
  codes: Map<string, number>;
  closes: Map<string, number>;
  unparsable: number;
}

async function fuzzWebSocket(server: TestServer, session: Session, fuzzPeers: string[], random: Random, report: FuzzReport): Promise<void> {
  let sent = 0;
  while (sent < FRAMES_PER_FUZZER) {
    const raw = await RawWebSocket.open(server.wsUrl, session.token);
    try {
      raw.send({ type: "hello", id: "h" });
      await raw.waitFor((frame) => frame.type === "ready");
      const repliesBefore = () => raw.received.filter((frame) => frame.type === "error" || frame.type === "sent");
      let expected = 0;
      for (let inConnection = 0; inConnection < FRAMES_PER_CONNECTION && sent < FRAMES_PER_FUZZER; inConnection += BATCH) {
        for (let i = 0; i < BATCH; i++) {
          if (random.chance(0.05)) {
            raw.sendFrame(OPCODES.binary, random.bytes(1 + random.int(300)));
            expected += 1;
          } else {
            const frame = prepare(fuzzText(random, [...fuzzPeers, "alice", "bob"]), fuzzPeers, random);
            raw.send(frame.text);
            if (frame.answered) expected += 1;
          }
          sent += 1;
        }
        // Every frame that calls for an answer gets exactly one, before the next batch goes out.
        await raw.until(() => repliesBefore().length >= expected || raw.isClosed, 15_000, () => `${repliesBefore().length} of ${expected} answers`);
        expect(raw.isClosed).toBe(false);
      }
      const replies = repliesBefore();
      expect(replies.length).toBe(expected);
      report.answered += replies.length;
      for (const reply of replies) {
        if (reply.type !== "error") continue;
        report.codes.set(reply.code, (report.codes.get(reply.code) ?? 0) + 1);
        expect(reply.message.length).toBeGreaterThan(0);
      }
      // Every text frame from the server is a protocol frame.
      report.unparsable += raw.frames.filter((frame) => frame.opcode === OPCODES.text).length - raw.received.length;

      const violation = protocolViolation(random, raw);
      await raw.closed(10_000);
      const code = raw.closeCode();
      report.closes.set(`${violation}: ${code ?? "no close frame"}`, (report.closes.get(`${violation}: ${code ?? "no close frame"}`) ?? 0) + 1);
    } finally {
      raw.destroy();
    }
  }
  report.framesSent += sent;
}

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
const PATHS = [
  "/api/register", "/api/login", "/api/logout", "/api/history", "/api/devices", "/api/devices/1", "/api/devices/99999999999999999999",
  "/api/groups", "/api/groups/team", "/api/groups/team/members", "/api/groups/team/members/bob", "/api/groups/team/receipts", "/api/settings",
  "/healthz", "/readyz", "/metrics", "/ws", "/", "/api", "/api/../etc/passwd", "/%2e%2e/%2e%2e/", "/api/groups/%00", "/api/groups/" + "a".repeat(3000),
  "/api/history?with=" + encodeURIComponent("bob' OR 1=1 --"), "/api/groups/%F0%9F%98%80", "//api//devices",
];

function randomRequest(random: Random, token: string): { url: string; init: RequestInit } {
  let path = random.pick(PATHS);
  if (random.chance(0.5)) {
    // Mostly well-formed escapes of awkward text, sometimes escapes of no valid UTF-8 at all.
    const value = () => (random.chance(0.2) ? random.pick(["%ff%fe", "%zz", "%", "%c3%28", "%00", "a=b=c", "&&&"]) : encodeURIComponent(randomString(random).toWellFormed()));
    const pairs = Array.from({ length: 1 + random.int(4) }, () => `${random.pick(["with", "before", "limit", "seq", "x", ""])}=${value()}`);
    path += (path.includes("?") ? "&" : "?") + pairs.join("&");
  }
  const headers: Record<string, string> = {};
  if (random.chance(0.6)) headers.authorization = random.pick([`Bearer ${token}`, "Bearer", "Bearer forged", `Basic ${btoa("a:b")}`, `Bearer ${token}x`, "bearer  " + token]);
  if (random.chance(0.6)) headers["content-type"] = random.pick(["application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x"]);
  if (random.chance(0.05)) headers["x-big"] = "h".repeat(20_000 + random.int(20_000));
  const method = random.pick(METHODS);
  let body: string | Uint8Array | undefined;
  if (method !== "GET" && method !== "HEAD" && random.chance(0.8)) {
    body = random.pick([
      () => JSON.stringify(randomValue(random)),
      () => JSON.stringify({ name: randomString(random), password: randomString(random, 300), device: randomValue(random) }),
      () => JSON.stringify({ name: "team", members: Array.from({ length: random.int(50) }, () => randomString(random, 10)) }),
      () => randomString(random, 500),
      () => random.bytes(random.int(2000)),
      () => "[".repeat(5000),
      () => "x".repeat(1024 * 1024 + 1 + random.int(10_000)),
    ])();
  }
  return { url: path, init: { method, headers, ...(body === undefined ? {} : { body }) } };
}

/** Statuses Bun itself answers (without our error body) for requests it will not hand to the app. */
const TRANSPORT_STATUSES = new Set([400, 413, 431]);

async function fuzzHttp(server: TestServer, token: string, random: Random, statuses: Map<number, number>): Promise<void> {
  for (let i = 0; i < HTTP_REQUESTS; i++) {
    const { url, init } = randomRequest(random, token);
    let response: Response;
    try {
      response = await fetch(server.url + url, init);
    } catch (error) {
      // The client refused to build it (an invalid header), or Bun closed the connection on a body it will not read.
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
      continue;
    }
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    const text = await response.text();
    if (response.status >= 500 && response.status !== 503) throw new Error(`${init.method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
    // A HEAD answer has no body to check; /readyz answers 503 with its own document when not ready.
    if (response.status >= 400 && init.method !== "HEAD" && !(response.status === 503 && url.startsWith("/readyz"))) {
      const isJson = response.headers.get("content-type")?.includes("application/json") ?? false;
      if (isJson) {
        if (!ErrorBody.safeParse(JSON.parse(text)).success) throw new Error(`${init.method} ${url} answered ${response.status} with ${text.slice(0, 200)}`);
      } else if (!TRANSPORT_STATUSES.has(response.status)) {
        throw new Error(`${init.method} ${url} answered ${response.status} without an error body: ${text.slice(0, 200)}`);
      }
    }
  }
}

const MALFORMED_HTTP = [
  "GARBAGE\r\n\r\n",
  "GET\r\n\r\n",
  "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
  "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n",
  "GET /healthz HTTP/1.1\r\nHost: x\r\nX: \u0000\u0001\r\n\r\n",
  "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
  "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
  "POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n",
  "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
  "\r\n\r\n\r\n",
  "GET /" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
];

/** Sends bytes that are not valid HTTP and returns the status line answered, or "closed". */
function rawHttp(port: number, request: string | Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within 10 s to ${JSON.stringify(String(request).slice(0, 80))}`));
    }, 10_000);
    socket.on("connect", () => socket.end(request));
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer === "" ? "closed" : answer.split("\r\n")[0]!);
    });
  });
}

let server: TestServer;
let alice: Session;
let bob: Session;
const fuzzers: Session[] = [];
/** The HTTP fuzzer's own device: it may log itself out (it hits /api/logout with a valid token), which must not cut off a WebSocket fuzzer. */
let httpFuzzer: Session;

beforeAll(async () => {
  console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays this run)`);
  // Rate limits would answer most of the flood before it reached the parser: they have their own tests.
  server = await startTestServer({
    config: { maxFrameBytes: MAX_FRAME_BYTES, maxMessageLength: MAX_MESSAGE_LENGTH, connectionFrameRate: 0, userMessageRate: 0, authAttemptsPerMinute: 0, loginFailures: 0, loginNameFailures: 0 },
  });
  alice = await registerUser(server, "alice");
  bob = await registerUser(server, "bob");
  for (const name of FUZZER_NAMES) fuzzers.push(await registerUser(server, name));
  httpFuzzer = await loginUser(server, FUZZER_NAMES[0]!, undefined, "http-fuzzer");
});
afterAll(() => server.cleanup());

describe("fuzz", () => {
  test("thousands of malformed frames and requests: each gets a typed error or a clean close, the server stays up, the pair chatting loses nothing", async () => {
    const [aliceSocket, bobSocket] = await Promise.all([TestSocket.connect(server.wsUrl, alice.token), TestSocket.connect(server.wsUrl, bob.token)]);
    const goodPair = (async () => {
      for (let i = 1; i <= GOOD_MESSAGES; i++) {
        await aliceSocket.sendMessage("bob", `alice ${i}`);
        await bobSocket.sendMessage("alice", `bob ${i}`);
      }
      const toBob: string[] = [];
      const toAlice: string[] = [];
      for (let i = 0; i < GOOD_MESSAGES; i++) {
        toBob.push((await bobSocket.nextMessage()).text);
        toAlice.push((await aliceSocket.nextMessage()).text);
      }
      return { toBob, toAlice };
    })();

    const report: FuzzReport = { framesSent: 0, answered: 0, codes: new Map(), closes: new Map(), unparsable: 0 };
    const statuses = new Map<number, number>();
    const names = fuzzers.map((session) => session.user);
    await Promise.all([
      ...fuzzers.map((session, i) => fuzzWebSocket(server, session, names.filter((name) => name !== session.user), randomSource(SEED + i), report)),
      fuzzHttp(server, httpFuzzer.token, randomSource(SEED + 100), statuses),
      (async () => {
        const random = randomSource(SEED + 200);
        for (let i = 0; i < RAW_HTTP_REQUESTS; i++) {
          const request = random.chance(0.7) ? random.pick(MALFORMED_HTTP) : random.bytes(1 + random.int(2000));
          const answer = await rawHttp(server.port, request);
          // A refusal (4xx, or 505 for an unknown HTTP version) or a close; never a crash or a hang.
          if (answer !== "closed") expect(answer).toMatch(/^HTTP\/1\.1 (4\d\d|505) /);
        }
      })(),
    ]);

    console.log(
      `fuzz: ${report.framesSent} frames (${report.answered} answered), ${HTTP_REQUESTS + RAW_HTTP_REQUESTS} HTTP requests; ` +
        `error codes ${JSON.stringify(Object.fromEntries(report.codes))}; closes ${JSON.stringify(Object.fromEntries(report.closes))}; ` +
        `HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(report.framesSent).toBe(FUZZERS * FRAMES_PER_FUZZER);
    expect(report.unparsable).toBe(0);
    for (const code of report.codes.keys()) expect(EXPECTED_CODES).toContain(code);
    // Every protocol violation ended in a close the server chose (a close frame with a code, or the connection dropped).
    expect([...report.closes.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(FUZZERS);

    // The server is up and serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toContain('code="internal"');

    // The pair lost nothing and saw nothing of the fuzzers, in order.
    const { toBob, toAlice } = await goodPair;
    expect(toBob).toEqual(Array.from({ length: GOOD_MESSAGES }, (_, i) => `alice ${i + 1}`));
    expect(toAlice).toEqual(Array.from({ length: GOOD_MESSAGES }, (_, i) => `bob ${i + 1}`));
    const unexpected = [...aliceSocket.pending(), ...bobSocket.pending()].filter((frame: ServerFrame) => frame.type === "error" || frame.type === "message");
    expect(unexpected).toEqual([]);
    await Promise.all([aliceSocket.close(), bobSocket.close()]);

    // The stored data is intact: the database checks clean and history holds the conversation, in order.
    const history = HistoryPage.parse(
      await (await fetch(`${server.url}/api/history?with=alice&limit=200`, { headers: { authorization: `Bearer ${bob.token}` } })).json(),
    );
    expect(history.messages).toHaveLength(2 * GOOD_MESSAGES > 200 ? 200 : 2 * GOOD_MESSAGES);
    expect(history.messages.map((message) => message.seq)).toEqual(history.messages.map((_, i) => 2 * GOOD_MESSAGES - i));
    await server.stop();
    const database = new Database(join(server.dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      expect(database.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const conversation = database
        .query<{ body: string }, []>(
          `SELECT m.body FROM events m JOIN users u ON u.id = m.sender_id WHERE u.name IN ('alice', 'bob')
           AND m.conv_id = (SELECT conv_id FROM events WHERE body = 'alice 1') ORDER BY m.seq`,
        )
        .all()
        .map((row) => row.body);
      expect(conversation).toEqual(Array.from({ length: GOOD_MESSAGES }, (_, i) => [`alice ${i + 1}`, `bob ${i + 1}`]).flat());
    } finally {
      database.close();
    }
  }, 120_000);
});
