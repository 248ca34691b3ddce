import { afterEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLogger } from "../../src/server/log.ts";
import { loginUser, registerUser, startTestServer, tempDir } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SECRET_PASSWORD = "s3cret password nobody may log";
const SECRET_TEXT = "the body of a private message";

describe("logs", () => {
  test("one JSON object per line per event, and no password, token or message text in any of them", async () => {
    const lines: string[] = [];
    const server = await startTestServer({ log: createLogger({ format: "json", level: "debug", write: (line) => lines.push(line) }) });
    cleanups.push(() => server.cleanup());
    const alice = await registerUser(server, "alice", SECRET_PASSWORD);
    const bob = await registerUser(server, "bob", SECRET_PASSWORD);
    const wrong = await fetch(`${server.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "alice", password: `${SECRET_PASSWORD}!` }),
    });
    expect(wrong.status).toBe(401);
    const aliceLaptop = await loginUser(server, "alice", SECRET_PASSWORD);
    const [aliceSocket, bobSocket] = await Promise.all([TestSocket.connect(server.wsUrl, aliceLaptop.token), TestSocket.connect(server.wsUrl, bob.token)]);
    await aliceSocket.sendMessage("bob", SECRET_TEXT);
    await bobSocket.nextMessage();
    await fetch(`${server.url}/api/logout`, { method: "POST", headers: { authorization: `Bearer ${aliceLaptop.token}` } });
    await aliceSocket.closed();
    await bobSocket.close();
    await server.stop();

    const events = lines.map((line) => JSON.parse(line) as { time: string; level: string; event: string; [field: string]: unknown });
    for (const event of events) {
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
      expect(["debug", "info", "warn", "error"]).toContain(event.level);
    }
    const named = (name: string) => events.filter((event) => event.event === name);
    expect(named("server started")).toHaveLength(1);
    expect(named("login refused")[0]).toMatchObject({ level: "warn", user: "alice", code: "wrong_password" });
    expect(named("connection opened").map((event) => event.user).sort()).toEqual(["alice", "bob"]);
    expect(named("connection closed").find((event) => event.user === "alice")).toMatchObject({ code: 4001 });
    expect(named("http request").length).toBeGreaterThan(3);
    const everything = lines.join("\n");
    for (const secret of [SECRET_PASSWORD, SECRET_TEXT, alice.token, bob.token, aliceLaptop.token]) expect(everything).not.toContain(secret);
  });

  test("the server process logs human lines by default and JSON lines with --log-format json, on standard error", async () => {
    const { CHAT_LOG_FORMAT: _format, ...inheritedEnv } = process.env;
    for (const format of ["human", "json"] as const) {
      const dataDir = tempDir();
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const child = Bun.spawn(
        [process.execPath, join(resolve(import.meta.dir, "../.."), "src/server/main.ts"), "--port", "0", "--host", "127.0.0.1", "--data", dataDir, ...(format === "json" ? ["--log-format", "json"] : [])],
        { env: { ...inheritedEnv, DATABASE_URL: "", REDIS_URL: "", CHAT_LOG_LEVEL: "info" }, stdout: "ignore", stderr: "pipe" },
      );
      cleanups.push(() => child.kill("SIGKILL"));
      const reader = child.stderr.getReader();
      let seen = "";
      while (!seen.includes("\n")) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the server exited before logging: ${seen}`);
        seen += new TextDecoder().decode(value);
      }
      const firstLine = seen.split("\n")[0]!;
      if (format === "json") expect(JSON.parse(firstLine)).toMatchObject({ level: "info", event: "server started", port: expect.any(Number), tls: false });
      else expect(firstLine).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO server started port=\d+ tls=false$/);
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});
