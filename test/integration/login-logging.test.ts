import { afterEach, expect, test } from "bun:test";
import { createLogger } from "../../src/server/log.ts";
import { startTestServer } from "../helpers/server.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test("a new name's registration logs no warning; a wrong password does", async () => {
  const lines: Array<{ level: string; event: string; code?: string }> = [];
  const server = await startTestServer({ log: createLogger({ format: "json", level: "info", write: (line) => lines.push(JSON.parse(line)) }) });
  cleanups.push(() => server.cleanup());
  const post = (path: string, password: string) =>
    fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "newcomer", password }) });

  // What chat-client does for a name it has never seen: try to log in, then register.
  expect((await post("/api/login", "a good long password")).status).toBe(404);
  expect((await post("/api/register", "a good long password")).status).toBe(201);
  expect(lines.filter((line) => line.level === "warn")).toEqual([]);

  expect((await post("/api/login", "not the password")).status).toBe(401);
  expect(lines.filter((line) => line.level === "warn")).toEqual([expect.objectContaining({ event: "login refused", code: "wrong_password" })]);
});
