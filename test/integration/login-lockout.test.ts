/**
 * Login throttling as a stranger would abuse it: failing a victim's password on purpose to lock the victim
 * out. The stranger's failures from their address lock only that address; the owner, from another address,
 * still logs in; a name is locked for everyone only after many more failures from all addresses together.
 * On every deployment (with Redis, the counts are shared by the servers). The two addresses are IPv4 and
 * IPv6 loopback: the servers listen on both (`::`).
 */
import { describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS } from "../helpers/deployments.ts";
import { registerUser, TEST_PASSWORD } from "../helpers/server.ts";

function login(base: string, name: string, password: string) {
  return fetch(`${base}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name, password }) });
}

async function codeOf(response: Response): Promise<string> {
  return response.ok ? "ok" : ErrorBody.parse(await response.json()).error.code;
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    test("a stranger's failed logins from another address do not lock the owner out", async () => {
      const chat = await kind.start({ host: "::", loginFailures: 5, loginNameFailures: 100, loginLockoutSeconds: 60 });
      defer(() => chat.cleanup());
      await registerUser(chat, "alice");
      const strangers = chat.servers.map((server) => server.url); // from 127.0.0.1
      const owners = chat.servers.map((server) => server.url.replace("127.0.0.1", "[::1]")); // from ::1
      for (let i = 0; i < 5; i++) expect(await codeOf(await login(strangers[i % strangers.length]!, "alice", `wrong guess ${i}`))).toBe("wrong_password");
      // The stranger is locked out, whatever they try, on every server.
      for (const base of strangers) expect(await codeOf(await login(base, "alice", TEST_PASSWORD))).toBe("rate_limited");
      // The owner is not.
      for (const base of owners) expect(await codeOf(await login(base, "alice", TEST_PASSWORD))).toBe("ok");
    });

    test("many failures from all addresses together lock the name for everyone, for a while", async () => {
      const chat = await kind.start({ host: "::", loginFailures: 5, loginNameFailures: 8, loginLockoutSeconds: 60 });
      defer(() => chat.cleanup());
      await registerUser(chat, "alice");
      const v4 = chat.servers[0]!.url;
      const v6 = chat.servers[0]!.url.replace("127.0.0.1", "[::1]");
      for (let i = 0; i < 4; i++) {
        expect(await codeOf(await login(v4, "alice", `wrong guess ${i}`))).toBe("wrong_password");
        expect(await codeOf(await login(v6, "alice", `wrong guess ${i}`))).toBe("wrong_password");
      }
      const locked = await login(v6, "alice", TEST_PASSWORD);
      expect(locked.status).toBe(429);
      const error = ErrorBody.parse(await locked.json()).error;
      expect(error.message).toMatch(/^Too many failed logins for 'alice' from many addresses: try again in \d+ seconds\.$/);
      expect(error.retryAfterMs).toBeGreaterThan(50_000);
    });
  });
}
