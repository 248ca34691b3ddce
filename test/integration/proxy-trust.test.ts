/**
 * --trust-proxy as an attacker would test it: forged X-Forwarded-For or Forwarded headers from a peer that is not
 * a trusted proxy change nothing (the guesses still count against the peer's own address), and behind a trusted
 * proxy each client is counted and logged by the address the proxy names, so one stranger behind the proxy does
 * not lock out the owner behind the same proxy. On every deployment (with Redis, the counts are shared). The
 * untrusted peer is this machine's own non-loopback address; the trusted proxy is 127.0.0.1.
 */
import { describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import { createLogger } from "../../src/server/log.ts";
import { parseCidrList } from "../../src/server/proxy-trust.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { OUTSIDE_ADDRESS } from "../helpers/outside-address.ts";
import { DEPLOYMENT_KINDS } from "../helpers/deployments.ts";
import { registerUser, startTestServer, TEST_PASSWORD } from "../helpers/server.ts";

const LOCAL_PROXY = parseCidrList("127.0.0.1/32");

function login(base: string, name: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/api/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ name, password }) });
}

async function codeOf(response: Response): Promise<string> {
  return response.ok ? "ok" : ErrorBody.parse(await response.json()).error.code;
}

/** Five wrong passwords for alice, each claiming another address in a forged header. */
async function guessWithForgedAddresses(bases: string[]): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const forged: Record<string, string> = i % 2 === 0 ? { "x-forwarded-for": `203.0.113.${i}` } : { forwarded: `for=203.0.113.${i}` };
    expect(await codeOf(await login(bases[i % bases.length]!, "alice", `wrong guess ${i}`, forged))).toBe("wrong_password");
  }
}

/** Each forged address would have a fresh budget; the peer's own is spent, whatever it claims now. */
async function expectLockedWhateverClaimed(bases: string[]): Promise<void> {
  for (const base of bases) {
    expect(await codeOf(await login(base, "alice", TEST_PASSWORD, { "x-forwarded-for": "198.51.100.77" }))).toBe("rate_limited");
    expect(await codeOf(await login(base, "alice", TEST_PASSWORD, { forwarded: "for=198.51.100.77" }))).toBe("rate_limited");
  }
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    test("without --trust-proxy, forged forwarding headers are ignored", async () => {
      const chat = await kind.start({ loginFailures: 5, loginNameFailures: 100 });
      defer(() => chat.cleanup());
      await registerUser(chat, "alice");
      const bases = chat.servers.map((server) => server.url);
      await guessWithForgedAddresses(bases);
      await expectLockedWhateverClaimed(bases);
    });

    test.skipIf(OUTSIDE_ADDRESS === undefined)("forged forwarding headers from a peer outside --trust-proxy are ignored", async () => {
      const chat = await kind.start({ host: "0.0.0.0", trustProxy: LOCAL_PROXY, loginFailures: 5, loginNameFailures: 100 });
      defer(() => chat.cleanup());
      await registerUser(chat, "alice");
      const strangers = chat.servers.map((server) => server.url.replace("127.0.0.1", OUTSIDE_ADDRESS!));
      await guessWithForgedAddresses(strangers);
      await expectLockedWhateverClaimed(strangers);
      // The owner, through the trusted proxy, is not locked out.
      expect(await codeOf(await login(chat.servers[0]!.url, "alice", TEST_PASSWORD, { "x-forwarded-for": "198.51.100.2" }))).toBe("ok");
    });

    test("behind a trusted proxy, each client is throttled by the address the proxy names", async () => {
      const chat = await kind.start({ trustProxy: LOCAL_PROXY, loginFailures: 5, loginNameFailures: 100 });
      defer(() => chat.cleanup());
      await registerUser(chat, "alice");
      const proxied = chat.servers.map((server) => server.url);
      // The stranger forges the start of the header; the proxy appends the address it saw.
      for (let i = 0; i < 5; i++) {
        const header = { "x-forwarded-for": `198.51.100.${i}, 203.0.113.7` };
        expect(await codeOf(await login(proxied[i % proxied.length]!, "alice", `wrong guess ${i}`, header))).toBe("wrong_password");
      }
      for (const base of proxied) {
        expect(await codeOf(await login(base, "alice", TEST_PASSWORD, { "x-forwarded-for": "203.0.113.7" }))).toBe("rate_limited");
        expect(await codeOf(await login(base, "alice", TEST_PASSWORD, { forwarded: 'for="203.0.113.7:4711"' }))).toBe("rate_limited");
        // The owner, behind the same proxy, is not.
        expect(await codeOf(await login(base, "alice", TEST_PASSWORD, { "x-forwarded-for": "198.51.100.2" }))).toBe("ok");
        expect(await codeOf(await login(base, "alice", TEST_PASSWORD, { forwarded: 'for="[2001:db8::1]"' }))).toBe("ok");
      }
    });
  });
}

describe("logs", () => {
  const defer = cleanupAfterEach();

  test("name the address a trusted proxy forwards for, for HTTP requests and WebSocket connections", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const opened = Promise.withResolvers<Record<string, unknown>>();
    const log = createLogger({
      format: "json",
      level: "debug",
      write: (text) => {
        const line = JSON.parse(text);
        lines.push(line);
        if (line.event === "connection opened") opened.resolve(line);
      },
    });
    const server = await startTestServer({ config: { trustProxy: LOCAL_PROXY }, log });
    defer(() => server.cleanup());
    const { token } = await registerUser(server, "alice");

    expect(await codeOf(await login(server.url, "alice", "not the password", { "x-forwarded-for": "203.0.113.7" }))).toBe("wrong_password");
    expect(lines).toContainEqual(expect.objectContaining({ event: "login refused", user: "alice", address: "203.0.113.7" }));
    expect(lines).toContainEqual(expect.objectContaining({ event: "http request", path: "/api/login", address: "203.0.113.7" }));

    const ws = new WebSocket(server.wsUrl, { headers: { authorization: `Bearer ${token}`, forwarded: 'for="[2001:db8::9]:443"' } });
    defer(() => ws.close());
    expect(await opened.promise).toMatchObject({ user: "alice", address: "2001:db8::9" });
  });
});
