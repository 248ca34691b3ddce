/**
 * Who may register (--registration open|invite|closed), tried as an attacker
 * would: registering without a code, with a made-up one, with one already used,
 * with an expired one, and while registration is closed; on every deployment.
 */
import { describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import { hashInviteCode, newInviteCode } from "../../src/services/accounts.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, type Deployment } from "../helpers/deployments.ts";
import { TEST_PASSWORD } from "../helpers/server.ts";

function post(url: string, path: string, body: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (path.startsWith("/api/browser/")) Object.assign(headers, { "x-chat-csrf": "1", origin: url });
  return fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

async function refusal(response: Response) {
  return { status: response.status, code: ErrorBody.parse(await response.json()).error.code };
}

/** An invite put straight into the deployment's store, as `chat-server admin invite` does. */
async function invite(chat: Deployment, uses = 1, expiresAt: number | null = null): Promise<string> {
  const store = await chat.openStore();
  try {
    const code = newInviteCode();
    await store.createInvite(hashInviteCode(code), uses, expiresAt, Date.now());
    return code;
  } finally {
    await store.close();
  }
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();
    async function start(registration: "open" | "invite" | "closed") {
      const chat = await kind.start({ registration });
      defer(() => chat.cleanup());
      return chat;
    }

    test("closed: nobody registers, by either route, whatever code is given", async () => {
      const closed = await start("closed");
      for (const path of ["/api/register", "/api/browser/register"]) {
        const response = await post(closed.url, path, { name: "mallory", password: TEST_PASSWORD, invite: "anything" });
        expect(await refusal(response)).toEqual({ status: 403, code: "registration_closed" });
      }
    });

    test("closed leaves the accounts already there able to log in", async () => {
      const chat = await start("closed");
      const store = await chat.openStore();
      await store.createUser("alice", await Bun.password.hash(TEST_PASSWORD), Date.now());
      await store.close();
      expect((await post(chat.url, "/api/login", { name: "alice", password: TEST_PASSWORD })).status).toBe(200);
    });

    test("invite: no code, a made-up code, a used-up code and an expired code register nobody", async () => {
      const chat = await start("invite");
      const noCode = await post(chat.url, "/api/register", { name: "mallory", password: TEST_PASSWORD });
      expect(await refusal(noCode)).toEqual({ status: 403, code: "invite_invalid" });
      const madeUp = await post(chat.url, "/api/register", { name: "mallory", password: TEST_PASSWORD, invite: newInviteCode() });
      expect(await refusal(madeUp)).toEqual({ status: 403, code: "invite_invalid" });

      const code = await invite(chat);
      expect((await post(chat.url, "/api/register", { name: "alice", password: TEST_PASSWORD, invite: code })).status).toBe(201);
      // The same code a second time, on whichever server, by either route.
      for (const path of ["/api/register", "/api/browser/register"]) {
        const again = await post(chat.url, path, { name: "mallory", password: TEST_PASSWORD, invite: code });
        expect(await refusal(again)).toEqual({ status: 403, code: "invite_invalid" });
      }
      const expired = await invite(chat, 5, Date.now() - 1);
      expect(await refusal(await post(chat.url, "/api/register", { name: "mallory", password: TEST_PASSWORD, invite: expired }))).toEqual({
        status: 403,
        code: "invite_invalid",
      });
      expect((await post(chat.url, "/api/login", { name: "mallory", password: TEST_PASSWORD })).status).toBe(404);
    });

    test("invite: a code used at once from two places registers one; a taken name keeps the code's use", async () => {
      const chat = await start("invite");
      const code = await invite(chat);
      const [first, second] = await Promise.all(
        ["mallory", "trudy"].map((name) => post(chat.url, "/api/register", { name, password: TEST_PASSWORD, invite: code })),
      );
      expect([first!.status, second!.status].sort()).toEqual([201, 403]);

      const two = await invite(chat, 2);
      expect((await post(chat.url, "/api/register", { name: "carol", password: TEST_PASSWORD, invite: two })).status).toBe(201);
      expect((await refusal(await post(chat.url, "/api/register", { name: "carol", password: TEST_PASSWORD, invite: two }))).code).toBe("name_taken");
      expect((await post(chat.url, "/api/browser/register", { name: "dave", password: TEST_PASSWORD, invite: ` ${two}\n` })).status).toBe(201);
      expect((await refusal(await post(chat.url, "/api/register", { name: "erin", password: TEST_PASSWORD, invite: two }))).code).toBe("invite_invalid");
    });

    test("open: anyone registers without a code", async () => {
      const chat = await start("open");
      expect((await post(chat.url, "/api/register", { name: "alice", password: TEST_PASSWORD })).status).toBe(201);
    });
  });
}
