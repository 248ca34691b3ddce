import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { selfSignedCertificate, type SelfSignedCertificate } from "../helpers/tls-cert.ts";
import {
  type ClientProcess,
  ensureBinaries,
  removeAll,
  runClient,
  type ServerProcess,
  startClient,
  startServerBinary,
  tempDir,
} from "./support.ts";

const dirs: string[] = [];
const clients: ClientProcess[] = [];
let certificate: SelfSignedCertificate;
let server: ServerProcess;

function dir(prefix: string): string {
  const created = tempDir(prefix);
  dirs.push(created);
  return created;
}

beforeAll(async () => {
  await ensureBinaries();
  certificate = selfSignedCertificate();
  server = await startServerBinary(dir("chat-e2e-data-"), undefined, ["--tls-cert", certificate.certPath, "--tls-key", certificate.keyPath]);
}, 120_000);

afterEach(async () => {
  for (const each of clients.splice(0)) {
    each.process.kill();
    await each.process.exited;
  }
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  certificate?.remove();
  removeAll(dirs);
});

describe("chat-client against a chat-server serving https and wss, with the compiled binaries", () => {
  test("with --server https://… and --ca, alice's `bob hello` arrives on bob's stdout as `[alice]: hello`", async () => {
    const secure = ["--server", server.url, "--ca", certificate.certPath];
    const bob = startClient("bob", { server, configHome: dir("chat-e2e-bob-") }, secure);
    clients.push(bob);
    expect(await bob.stderr.line("connected")).toBe(`connected as bob to 127.0.0.1:${server.port}`);

    const alice = await runClient("alice", { server, configHome: dir("chat-e2e-alice-") }, ["bob hello"], secure);
    expect(alice.code).toBe(0);

    expect(await bob.stdout.line("[alice]: hello")).toBe("[alice]: hello");
    expect(await bob.finish()).toBe(0);
    expect(bob.stdout.lines).toEqual(["[alice]: hello"]);
  });

  test("without --ca the certificate is not trusted: one sentence saying how to trust it, exit status 1", async () => {
    const carolHome = dir("chat-e2e-carol-");
    const untrusted = `Cannot reach the chat server at 127.0.0.1:${server.port} (its certificate is self-signed and not trusted; ` +
      "to trust it, give the certificate of the authority that signed it with --ca FILE or CHAT_CA_FILE).";

    // Logging in over https, and later connecting the WebSocket with a saved session, are refused alike.
    const firstLogin = await runClient("carol", { server, configHome: carolHome }, ["bob hi"], ["--server", server.url]);
    expect(firstLogin).toMatchObject({ code: 1, stdout: [], stderr: [untrusted] });
    const trusted = await runClient("carol", { server, configHome: carolHome }, [], ["--server", server.url, "--ca", certificate.certPath]);
    expect(trusted.code).toBe(0);
    const savedSession = await runClient("carol", { server, configHome: carolHome }, ["bob hi"], ["--server", server.url]);
    expect(savedSession).toMatchObject({ code: 1, stdout: [], stderr: [untrusted] });
  });
});
