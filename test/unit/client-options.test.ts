import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine } from "../../src/client/cli/options.ts";
import { selfSignedCertificate } from "../helpers/tls-cert.ts";

const env = { HOME: "/home/ann" };

describe("client command line", () => {
  test("a name and defaults", () => {
    const parsed = parseCommandLine(["Alice"], env, true);
    expect(parsed).toMatchObject({
      kind: "run",
      options: { name: "alice", receipts: false, color: true, password: undefined, configDir: "/home/ann/.config/chat", stateDir: "/home/ann/.local/state/chat" },
    });
    if (parsed.kind === "run") expect(parsed.options.server.ws).toBe("ws://localhost:8080/ws");
  });

  test("--server wins over CHAT_SERVER, which wins over the default", () => {
    const fromEnv = parseCommandLine(["alice"], { ...env, CHAT_SERVER: "wss://chat.example.org" }, false);
    const fromFlag = parseCommandLine(["alice", "--server", "10.1.1.1:9000"], { ...env, CHAT_SERVER: "wss://chat.example.org" }, false);
    expect(fromEnv.kind === "run" && fromEnv.options.server.ws).toBe("wss://chat.example.org/ws");
    expect(fromFlag.kind === "run" && fromFlag.options.server.ws).toBe("ws://10.1.1.1:9000/ws");
  });

  test("--invite wins over CHAT_INVITE; neither means no code", () => {
    expect(parseCommandLine(["bob", "--invite", " abc "], { ...env, CHAT_INVITE: "def" }, false)).toMatchObject({ kind: "run", options: { invite: "abc" } });
    expect(parseCommandLine(["bob"], { ...env, CHAT_INVITE: "def" }, false)).toMatchObject({ kind: "run", options: { invite: "def" } });
    expect(parseCommandLine(["bob"], env, false)).toMatchObject({ kind: "run", options: { invite: undefined } });
  });

  test("--json is for script mode", () => {
    expect(parseCommandLine(["bob", "--json"], env, false)).toMatchObject({ kind: "run", options: { json: true } });
    expect(parseCommandLine(["bob"], env, false)).toMatchObject({ kind: "run", options: { json: false } });
    expect(parseCommandLine(["bob", "--json"], env, true)).toEqual({ kind: "usage-error", message: "--json is for script mode: give the input from a pipe or a file." });
  });

  test("password, XDG_CONFIG_HOME, XDG_STATE_HOME, NO_COLOR and --receipts", () => {
    const parsed = parseCommandLine(["bob", "--receipts"], { ...env, CHAT_PASSWORD: "pw", XDG_CONFIG_HOME: "/x", XDG_STATE_HOME: "/s", NO_COLOR: "1" }, true);
    expect(parsed).toMatchObject({ kind: "run", options: { password: "pw", configDir: "/x/chat", stateDir: "/s/chat", color: false, receipts: true } });
  });

  test("no colour when not on a terminal", () => {
    expect(parseCommandLine(["bob"], env, false)).toMatchObject({ options: { color: false } });
  });

  test("--help", () => {
    expect(parseCommandLine(["--help"], env, true)).toEqual({ kind: "help" });
    expect(parseCommandLine(["-h"], env, true)).toEqual({ kind: "help" });
    expect(parseCommandLine(["--version"], env, false)).toEqual({ kind: "version" });
  });

  test.each([
    [[], /exactly one name/],
    [["alice", "bob"], /exactly one name/],
    [["a"], /The name 'a' is not valid/],
    [["alice", "--frobnicate"], /frobnicate/],
    [["alice", "--server", "ftp://x"], /--server: .*not supported/],
    [["alice", "--device", ""], /--device/],
  ])("usage error for %p names the problem", (argv, pattern) => {
    const parsed = parseCommandLine(argv as string[], env, true);
    expect(parsed.kind).toBe("usage-error");
    if (parsed.kind === "usage-error") expect(parsed.message).toMatch(pattern);
  });

  test("a bad CHAT_SERVER is named as such", () => {
    const parsed = parseCommandLine(["alice"], { ...env, CHAT_SERVER: "::::" }, true);
    expect(parsed).toMatchObject({ kind: "usage-error", message: expect.stringMatching(/^CHAT_SERVER: /) });
  });

  describe("--ca and CHAT_CA_FILE", () => {
    const certificate = selfSignedCertificate();
    const dir = mkdtempSync(join(tmpdir(), "chat-ca-options-"));
    afterAll(() => {
      certificate.remove();
      rmSync(dir, { recursive: true, force: true });
    });
    const trustedPems = (parsed: ReturnType<typeof parseCommandLine>) => (parsed.kind === "run" ? parsed.options.trust?.ca : undefined);

    test("without either, only the usual certificate authorities are trusted", () => {
      expect(parseCommandLine(["alice"], env, false)).toMatchObject({ kind: "run", options: { trust: undefined } });
      expect(parseCommandLine(["alice"], { ...env, CHAT_CA_FILE: "" }, false)).toMatchObject({ kind: "run", options: { trust: undefined } });
    });

    test("the certificate in the file is trusted in addition to the usual ones", () => {
      const trusted = trustedPems(parseCommandLine(["alice", "--server", "https://127.0.0.1:8443", "--ca", certificate.certPath], env, false));
      expect(trusted).toContain(certificate.certPem);
      expect(trusted?.length).toBeGreaterThan(1);
    });

    test("--ca wins over CHAT_CA_FILE", () => {
      const other = selfSignedCertificate();
      try {
        const parsed = parseCommandLine(["alice", "--ca", certificate.certPath], { ...env, CHAT_CA_FILE: other.certPath }, false);
        expect(trustedPems(parsed)).toContain(certificate.certPem);
        expect(trustedPems(parsed)).not.toContain(other.certPem);
        expect(trustedPems(parseCommandLine(["alice"], { ...env, CHAT_CA_FILE: other.certPath }, false))).toContain(other.certPem);
      } finally {
        other.remove();
      }
    });

    test("a missing file stops the client with a sentence naming the option and the file", () => {
      const missing = join(dir, "missing.pem");
      expect(parseCommandLine(["alice", "--ca", missing], env, false)).toEqual({
        kind: "usage-error",
        message: `--ca: Cannot read the CA certificate file ${missing} (no such file).`,
      });
      expect(parseCommandLine(["alice"], { ...env, CHAT_CA_FILE: missing }, false)).toMatchObject({
        kind: "usage-error",
        message: expect.stringMatching(/^CHAT_CA_FILE: Cannot read the CA certificate file .*missing\.pem \(no such file\)\.$/),
      });
    });

    test("an unreadable file is named with the reason", () => {
      const locked = join(dir, "locked.pem");
      writeFileSync(locked, certificate.certPem);
      chmodSync(locked, 0o000);
      chmodSync(dir, 0o755); // only the file's own mode keeps it from being read
      // Root reads any file: there (as in CI) the check runs in a child process as the unprivileged user nobody.
      const asUnprivileged = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
      const check = `import { parseCommandLine } from ${JSON.stringify(join(import.meta.dir, "../../src/client/cli/options.ts"))};
        console.log(JSON.stringify(parseCommandLine(["alice", "--ca", ${JSON.stringify(locked)}], { HOME: "/tmp" }, false)));`;
      const child = Bun.spawnSync([...asUnprivileged, process.execPath, "-e", check], { env: { PATH: process.env.PATH, HOME: "/tmp" } });
      expect(child.stderr.toString()).toBe("");
      expect(JSON.parse(child.stdout.toString())).toEqual({
        kind: "usage-error",
        message: `--ca: Cannot read the CA certificate file ${locked} (permission denied).`,
      });
    });

    test.each([
      ["a directory", () => dir, /--ca: .*\(it is a directory\)/],
      ["a private key", () => certificate.keyPath, /--ca: The file .* holds no PEM certificate/],
      ["an empty path", () => "", /--ca: give the path of a PEM file/],
    ])("%s is refused with a sentence", (_what, path, pattern) => {
      const parsed = parseCommandLine(["alice", "--ca", path()], env, false);
      expect(parsed.kind).toBe("usage-error");
      if (parsed.kind === "usage-error") expect(parsed.message).toMatch(pattern);
    });
  });
});
