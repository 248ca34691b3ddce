import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Session } from "../../src/protocol/index.ts";
import { startTestServer, TEST_PASSWORD, type TestServer } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";
import { selfSignedCertificate, type SelfSignedCertificate } from "../helpers/tls-cert.ts";

let certificate: SelfSignedCertificate;
let server: TestServer;

beforeAll(async () => {
  certificate = selfSignedCertificate();
  server = await startTestServer({ config: { tls: { cert: certificate.certPath, key: certificate.keyPath } } });
});
afterAll(async () => {
  await server.cleanup();
  certificate.remove();
});

function register(name: string): Promise<Response> {
  return fetch(`${server.url}/api/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password: TEST_PASSWORD }),
    tls: { ca: certificate.certPem },
  });
}

describe("TLS", () => {
  test("with --tls-cert and --tls-key the server speaks https", async () => {
    expect(server.url).toStartWith("https://");
    const health = await fetch(`${server.url}/healthz`, { tls: { ca: certificate.certPem } });
    expect(await health.text()).toBe("ok");
  });

  test("a client that does not trust the certificate is refused, and plain http gets no answer", async () => {
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    const plain = await fetch(`http://127.0.0.1:${server.port}/healthz`).then(
      (response) => response.status,
      () => "refused",
    );
    expect(plain).toBe("refused");
  });

  test("chat works end to end over https and wss", async () => {
    const alice = Session.parse(await (await register("alice")).json());
    const bob = Session.parse(await (await register("bob")).json());
    expect(server.wsUrl).toStartWith("wss://");
    const aliceSocket = await TestSocket.open(server.wsUrl, alice.token, { ca: certificate.certPem });
    const bobSocket = await TestSocket.open(server.wsUrl, bob.token, { ca: certificate.certPem });
    await Promise.all([aliceSocket.hello(), bobSocket.hello()]);
    await aliceSocket.sendMessage("bob", "over TLS");
    expect(await bobSocket.nextMessage()).toMatchObject({ from: "alice", text: "over TLS" });
    await Promise.all([aliceSocket.close(), bobSocket.close()]);
  });

  test("a WebSocket that does not trust the certificate cannot connect", async () => {
    const alice = Session.parse(await (await fetch(`${server.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "alice", password: TEST_PASSWORD }),
      tls: { ca: certificate.certPem },
    })).json());
    await expect(TestSocket.open(server.wsUrl, alice.token)).rejects.toThrow("failed to open");
  });
});
