import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorBody, Session } from "../../src/protocol/index.ts";
import { registerUser, startTestServer, TEST_PASSWORD, type TestServer } from "../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function errorOf(response: Response) {
  return ErrorBody.parse(await response.json()).error;
}

let users = 0;
/** A user of this test alone, so each test runs by itself and in any order on the shared server. */
async function freshUser(): Promise<string> {
  const name = `user${++users}`;
  await registerUser(server, name);
  return name;
}

describe("accounts", () => {
  test("register answers 201 with a session for the new device", async () => {
    const response = await post("/api/register", { name: "alice", password: TEST_PASSWORD, device: "laptop" });
    expect(response.status).toBe(201);
    const session = Session.parse(await response.json());
    expect(session.user).toBe("alice");
    expect(session.device.name).toBe("laptop");
    expect(session.token.length).toBeGreaterThanOrEqual(40);
  });

  test("names are case-insensitive: 'Alice' is taken once 'alice' exists", async () => {
    await post("/api/register", { name: "alice", password: TEST_PASSWORD });
    const response = await post("/api/register", { name: "Alice", password: TEST_PASSWORD });
    expect(response.status).toBe(409);
    expect((await errorOf(response)).code).toBe("name_taken");
  });

  test("a name outside the rules is refused with a sentence naming the rule", async () => {
    const response = await post("/api/register", { name: "a b", password: TEST_PASSWORD });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("bad_request");
    expect(error.message).toContain("name");
    expect(error.message).toContain("3 to 32 characters");
  });

  test("a body that is not JSON gets 400 with a reason", async () => {
    const response = await post("/api/register", "{not json");
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toContain("JSON");
  });

  test("login with the right password adds a device; each login has its own token", async () => {
    const name = await freshUser();
    const first = Session.parse(await (await post("/api/login", { name: name.toUpperCase(), password: TEST_PASSWORD, device: "phone" })).json());
    const second = Session.parse(await (await post("/api/login", { name, password: TEST_PASSWORD })).json());
    expect(first.user).toBe(name);
    expect(first.token).not.toBe(second.token);
    expect(first.device.id).not.toBe(second.device.id);
  });

  test("a wrong password is refused and issues nothing", async () => {
    const response = await post("/api/login", { name: await freshUser(), password: "not the password" });
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.code).toBe("wrong_password");
    expect(JSON.stringify(error)).not.toContain("token");
  });

  test("login of a name nobody registered says so", async () => {
    const response = await post("/api/login", { name: "nobody", password: TEST_PASSWORD });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("unknown_user");
  });

  test("authenticated routes refuse a missing or unknown token", async () => {
    expect((await fetch(`${server.url}/api/devices`)).status).toBe(401);
    const forged = await fetch(`${server.url}/api/devices`, { headers: { authorization: "Bearer forged-token" } });
    expect(forged.status).toBe(401);
    expect((await errorOf(forged)).code).toBe("unauthorized");
  });

  test("the WebSocket upgrade needs a valid token", async () => {
    expect((await fetch(`${server.url}/ws`, { headers: { upgrade: "websocket" } })).status).toBe(401);
    const refused = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(server.wsUrl, { headers: { authorization: "Bearer forged" } });
      ws.addEventListener("open", () => resolve(false));
      ws.addEventListener("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  test("passwords and tokens are not stored in the clear", async () => {
    const session = await registerUser(server, "carol", "a very secret password");
    const database = await Bun.file(`${server.dataDir}/chat.db`).arrayBuffer();
    const wal = await Bun.file(`${server.dataDir}/chat.db-wal`).arrayBuffer().catch(() => new ArrayBuffer(0));
    const text = Buffer.concat([Buffer.from(database), Buffer.from(wal)]).toString("latin1");
    expect(text).toContain("carol");
    expect(text).not.toContain("a very secret password");
    expect(text).not.toContain(session.token);
  });

  test("unknown paths answer 404 in the error shape", async () => {
    const response = await fetch(`${server.url}/no/such/path`);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("not_found");
  });
});
