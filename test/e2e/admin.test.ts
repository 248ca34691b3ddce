/**
 * `chat-server admin …` through the compiled binary, against SQLite and against PostgreSQL, while a
 * server runs on the same store; and the warning a server gives when anyone may register from the network.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import { isolatedStorage, TEST_POSTGRES_URL } from "../helpers/deployments.ts";
import { ensureBinaries, PASSWORD, removeAll, runClient, runServerCommand, SERVER_BINARY, type ServerProcess, startServerBinary, tempDir } from "./support.ts";

const dirs: string[] = [];
const servers: ServerProcess[] = [];
const undo: Array<() => Promise<void>> = [];

beforeAll(() => ensureBinaries(), 120_000);
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  for (const step of undo) await step();
  removeAll(dirs);
});

function dir(prefix: string): string {
  const path = tempDir(prefix);
  dirs.push(path);
  return path;
}


function register(server: ServerProcess, name: string, invite?: string) {
  return fetch(`${server.url}/api/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password: PASSWORD, ...(invite === undefined ? {} : { invite }) }),
  });
}

const lastLine = (text: string) => text.split("\n").at(-1)!;

/** A server binary on the store the options name (SQLite: their --data directory), stopped after the file. */
async function serverOn(options: string[], args: string[] = []): Promise<ServerProcess> {
  const data = options[0] === "--data" ? options[1]! : dir("chat-e2e-admin-unused-");
  const server = await startServerBinary(data, 0, [...options, ...args]);
  servers.push(server);
  return server;
}

/** A device's open WebSocket, with the close code it will get and a way to wait for a frame of a type. */
async function openSocket(server: ServerProcess, token: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { authorization: `Bearer ${token}` } } as never);
  const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code)));
  await new Promise((resolve) => socket.addEventListener("open", resolve));
  const frame = (type: string) => new Promise<void>((resolve) => socket.addEventListener("message", (event) => JSON.parse(String(event.data)).type === type && resolve()));
  return { socket, closed, frame };
}

/** The two stores, each with the options that name it, as an operator would type them. */
const STORES = [
  {
    name: "SQLite",
    async options(): Promise<string[]> {
      return ["--data", dir("chat-e2e-admin-")];
    },
  },
  {
    name: "PostgreSQL",
    async options(): Promise<string[]> {
      const storage = isolatedStorage();
      undo.push(() => storage.drop());
      return ["--database-url", TEST_POSTGRES_URL, "--database-schema", storage.schema];
    },
  },
];

for (const store of STORES) {
  describe(store.name, () => {
    test("admin invite makes a code a running --registration invite server accepts once", async () => {
      const options = await store.options();
      const server = await serverOn(options, ["--registration", "invite"]);
      expect((await ErrorBody.parse(await (await register(server, "mallory")).json())).error.code).toBe("invite_invalid");

      const made = await runServerCommand(["admin", "invite", ...options]);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      expect(made.stdout).toMatch(/^Invite for 1 registration, valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(the server needs --registration invite\):\n[a-z2-7]{26}$/);
      const code = lastLine(made.stdout);
      expect((await register(server, "alice", code)).status).toBe(201);
      expect((await ErrorBody.parse(await (await register(server, "bob", code)).json())).error.code).toBe("invite_invalid");

      const several = await runServerCommand(["admin", "invite", "--uses", "2", "--expires=never", ...options]);
      expect(several.code).toBe(0);
      expect(several.stdout).toContain("Invite for 2 registrations, never expires");
      expect((await register(server, "bob", lastLine(several.stdout))).status).toBe(201);
      expect((await register(server, "carol", lastLine(several.stdout))).status).toBe(201);
      expect((await register(server, "dave", lastLine(several.stdout))).status).toBe(403);
      // The terminal client sends the code given with --invite when it registers a new name; without one it says why not.
      const refused = await runClient("erin", { server, configHome: dir("chat-e2e-admin-erin-") }, []);
      expect(refused.code).toBe(1);
      expect(refused.stderr.join("\n")).toContain("Cannot register erin: This server registers by invitation only");
      const fresh = lastLine((await runServerCommand(["admin", "invite", ...options])).stdout);
      const invited = await runClient("erin", { server, configHome: dir("chat-e2e-admin-erin2-") }, [], ["--invite", fresh]);
      expect(invited.stderr).toContain(`connected as erin to 127.0.0.1:${server.port}`);
      expect(invited.code).toBe(0);
      await server.stop();
    });

    test("admin users, deactivate, reactivate and reset-password change a running server's accounts", async () => {
      const options = await store.options();
      const server = await serverOn(options);
      const session = (await (await register(server, "mallory")).json()) as { token: string };
      expect((await register(server, "bob")).status).toBe(201);
      const { closed } = await openSocket(server, session.token);

      const listed = await runServerCommand(["admin", "users", ...options]);
      expect(listed.code).toBe(0);
      expect(listed.stdout.split("\n")[0]).toMatch(/^name\s+created\s+last active\s+devices\s+state$/);
      expect(listed.stdout).toMatch(/\nmallory\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-\S+Z\s+1\s+active\n/);
      expect(lastLine(listed.stdout)).toBe("2 users.");

      expect(await runServerCommand(["admin", "deactivate", "mallory", ...options])).toEqual({
        code: 0,
        stdout: "Deactivated mallory: 1 device logged out; logins, sends and messages to mallory are refused.",
        stderr: "",
      });
      expect(await closed).toBe(4001);
      const login = () => fetch(`${server.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "mallory", password: PASSWORD }) });
      expect((await ErrorBody.parse(await (await login()).json())).error.code).toBe("account_deactivated");
      expect((await runServerCommand(["admin", "users", ...options])).stdout).toMatch(/\nmallory\s.*\s0\s+deactivated\n/);
      expect(await runServerCommand(["admin", "deactivate", "nobody", ...options])).toEqual({ code: 1, stdout: "", stderr: "chat-server: There is no user named 'nobody'." });
      expect((await runServerCommand(["admin", "deactivate", "\u212Aelvin", ...options])).code).toBe(2);

      expect((await runServerCommand(["admin", "reactivate", "mallory", ...options])).stdout).toBe("Reactivated mallory: mallory may log in again (with the same password).");
      expect((await login()).status).toBe(200);

      const reset = await runServerCommand(["admin", "reset-password", "mallory", ...options]);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/^New password for mallory \(every device of mallory was logged out; give it to them privately\):\n[a-z2-7]{20}$/);
      expect((await login()).status).toBe(401);
      const fresh = await fetch(`${server.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "mallory", password: lastLine(reset.stdout) }) });
      expect(fresh.status).toBe(200);

      const piped = Bun.spawn([SERVER_BINARY, "admin", "reset-password", "mallory", "--stdin", ...options], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        stdin: new Blob(["chosen by the operator\n"]),
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await piped.exited).toBe(0);
      expect((await new Response(piped.stdout).text()).trim()).toBe("Set a new password for mallory; every device of mallory was logged out.");
      const chosen = await fetch(`${server.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "mallory", password: "chosen by the operator" }) });
      expect(chosen.status).toBe(200);
      await server.stop();
    });

    test("admin delete-user deletes an account on a running server as its owner could, and names it 'deleted account' to the others", async () => {
      const options = await store.options();
      const server = await serverOn(options);
      const mallory = (await (await register(server, "mallory")).json()) as { token: string };
      const bob = (await (await register(server, "bob")).json()) as { token: string };
      const { socket, closed, frame } = await openSocket(server, mallory.token);
      const ready = frame("ready");
      socket.send(JSON.stringify({ type: "hello", id: "h1" }));
      await ready;
      const sent = frame("sent");
      socket.send(JSON.stringify({ type: "send", id: "m-1", to: "bob", text: "remember me" }));
      await sent;

      expect(await runServerCommand(["admin", "delete-user", "mallory", ...options])).toEqual({
        code: 0,
        stdout: "Deleted mallory: 1 device logged out, left every group; their messages stay as 'deleted account', and the name is free after the server's --name-reuse-days.",
        stderr: "",
      });
      expect(await closed).toBe(4001);
      expect((await fetch(`${server.url}/api/devices`, { headers: { authorization: `Bearer ${mallory.token}` } })).status).toBe(401);
      const history = (await (await fetch(`${server.url}/api/history?with=deleted%20account`, { headers: { authorization: `Bearer ${bob.token}` } })).json()) as {
        messages: Array<{ from: string; text: string }>;
      };
      expect(history.messages.map((message) => [message.from, message.text])).toEqual([["deleted account", "remember me"]]);
      expect((await ErrorBody.parse(await (await register(server, "mallory")).json())).error.code).toBe("name_taken");
      expect(lastLine((await runServerCommand(["admin", "users", ...options])).stdout)).toBe("1 user.");
      expect(await runServerCommand(["admin", "delete-user", "mallory", ...options])).toEqual({ code: 1, stdout: "", stderr: "chat-server: There is no user named 'mallory'." });
      await server.stop();
    });
  });
}

test("admin refuses an unknown command, a bad --uses or --expires, and a data directory without a database, in one sentence", async () => {
  const empty = dir("chat-e2e-admin-empty-");
  expect(await runServerCommand(["admin", "frobnicate", "--data", empty])).toEqual({
    code: 2,
    stdout: "",
    stderr: 'chat-server: admin has no command "frobnicate": invite, users, deactivate, reactivate, reset-password, delete-user. Run chat-server --help.',
  });
  expect(await runServerCommand(["admin", "invite", "--data", empty])).toEqual({
    code: 1,
    stdout: "",
    stderr: `chat-server: There is no chat database in ${empty}: give the server's --data (CHAT_DATA_DIR), or --database-url for PostgreSQL.`,
  });
  const data = dir("chat-e2e-admin-data-");
  const server = await startServerBinary(data, 0, []);
  await server.stop();
  expect(await runServerCommand(["admin", "invite", "--uses", "0", "--data", data])).toMatchObject({ code: 2, stderr: 'chat-server: Invalid --uses "0": a whole number from 1 to 999999.' });
  expect(await runServerCommand(["admin", "invite", "--expires", "soon", "--data", data])).toMatchObject({ code: 2, stdout: "" });
});

test("a server with open registration on a non-loopback address warns at start; on loopback, or with invite, it does not", async () => {
  const data = dir("chat-e2e-admin-warn-");
  const exposed = await startServerBinary(data, 0, ["--host", "0.0.0.0"]);
  const warning = await exposed.stderr.line("registration is open");
  expect(warning).toContain("--registration invite");
  await exposed.stop();
  const local = await startServerBinary(data, 0, []);
  const invited = await startServerBinary(dir("chat-e2e-admin-warn2-"), 0, ["--host", "0.0.0.0", "--registration", "invite"]);
  await local.stop();
  await invited.stop();
  expect(local.stderr.text).not.toContain("registration is open");
  expect(invited.stderr.text).not.toContain("registration is open");
});
