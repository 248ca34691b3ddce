import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { messagesIn } from "../helpers/api.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatApi,
  ChatConnection,
  clientFiles,
  type ConnectionStatus,
  DeviceState,
  parseServerAddress,
  ServerUnreachableError,
  type ServerAddress,
  type TlsTrust,
  trustCertificateFile,
} from "../../src/client/sdk/index.ts";
import type { MessageFrame, Session } from "../../src/protocol/index.ts";
import { startTestServer, TEST_PASSWORD, type TestServer } from "../helpers/server.ts";
import { selfSignedCertificate, type SelfSignedCertificate } from "../helpers/tls-cert.ts";

const WAIT_MS = 8_000;

let certificate: SelfSignedCertificate;
let server: TestServer;
let address: ServerAddress;
let trust: TlsTrust;
const dirs: string[] = [];
const connections: ChatConnection[] = [];

beforeAll(async () => {
  certificate = selfSignedCertificate();
  server = await startTestServer({ config: { tls: { cert: certificate.certPath, key: certificate.keyPath } } });
  address = parseServerAddress(server.url);
  trust = trustCertificateFile(certificate.certPath);
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.stop()));
});

afterAll(async () => {
  await server.cleanup();
  certificate.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function connect(session: Session, withTrust: TlsTrust | undefined): ChatConnection {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-tls-"));
  dirs.push(dir);
  const state = DeviceState.open(clientFiles(dir, dir, address, session.user), address, session.user);
  const connection = new ChatConnection({ server: address, trust: withTrust, token: session.token, state });
  connections.push(connection);
  connection.start();
  return connection;
}

/** Resolves with the first event that `accept` likes; fails after a bound. */
function next<T>(subscribe: (listener: (value: T) => void) => () => void, accept: (value: T) => boolean, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, WAIT_MS);
    const unsubscribe = subscribe((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

const status = (connection: ChatConnection, state: ConnectionStatus["state"]) =>
  next<ConnectionStatus>((listener) => connection.on("status", listener), (value) => value.state === state, `status ${state}`);

describe("client SDK against an https/wss server", () => {
  const api = () => new ChatApi(address, trust);

  test("the server address maps to https for the API and wss for the chat", () => {
    expect(address.http).toBe(`https://127.0.0.1:${server.port}`);
    expect(address.ws).toBe(`wss://127.0.0.1:${server.port}/ws`);
  });

  test("trusting the server's certificate, accounts, chat and history work", async () => {
    const alice = await api().register({ name: "alice", password: TEST_PASSWORD });
    const bob = await api().register({ name: "bob", password: TEST_PASSWORD });
    const aliceConnection = connect(alice, trust);
    const bobConnection = connect(bob, trust);
    await Promise.all([status(aliceConnection, "ready"), status(bobConnection, "ready")]);

    const arrived = next<MessageFrame>((listener) => bobConnection.on("message", listener), () => true, "bob's message");
    aliceConnection.send("bob", "over TLS");
    expect(await arrived).toMatchObject({ from: "alice", text: "over TLS" });
    const history = await api().history(bob.token, { with: "alice" });
    expect(messagesIn(history).map((message) => message.text)).toEqual(["over TLS"]);
  });

  test("without the certificate, a request is refused with a sentence saying how to trust it", async () => {
    const refused = new ChatApi(address).login({ name: "alice", password: TEST_PASSWORD });
    await expect(refused).rejects.toBeInstanceOf(ServerUnreachableError);
    await expect(refused).rejects.toThrow(
      `Cannot reach the chat server at 127.0.0.1:${server.port} (its certificate is self-signed and not trusted; ` +
        "to trust it, give the certificate of the authority that signed it with --ca FILE or CHAT_CA_FILE).",
    );
  });

  test("trusting some other authority does not make the server trusted", async () => {
    const other = selfSignedCertificate();
    try {
      const refused = new ChatApi(address, trustCertificateFile(other.certPath)).login({ name: "alice", password: TEST_PASSWORD });
      await expect(refused).rejects.toThrow(/its certificate is self-signed and not trusted/);
    } finally {
      other.remove();
    }
  });

  test("without the certificate, the WebSocket does not connect and says why", async () => {
    const carol = await api().register({ name: "carol", password: TEST_PASSWORD });
    const connection = connect(carol, undefined);
    const offline = await status(connection, "offline");
    expect(offline).toMatchObject({ state: "offline", wasReady: false, reason: expect.stringContaining("self-signed and not trusted") });
  });
});
