import { describe, expect, test } from "bun:test";
import { parseCommandLine } from "../../src/client/cli/options.ts";

const env = { HOME: "/home/ann" };

describe("client command line", () => {
  test("a name and defaults", () => {
    const parsed = parseCommandLine(["Alice"], env, true);
    expect(parsed).toMatchObject({
      kind: "run",
      options: { name: "alice", receipts: false, color: true, password: undefined, configDir: "/home/ann/.config/chat" },
    });
    if (parsed.kind === "run") expect(parsed.options.server.ws).toBe("ws://localhost:8080/ws");
  });

  test("--server wins over CHAT_SERVER, which wins over the default", () => {
    const fromEnv = parseCommandLine(["alice"], { ...env, CHAT_SERVER: "wss://chat.example.org" }, false);
    const fromFlag = parseCommandLine(["alice", "--server", "10.1.1.1:9000"], { ...env, CHAT_SERVER: "wss://chat.example.org" }, false);
    expect(fromEnv.kind === "run" && fromEnv.options.server.ws).toBe("wss://chat.example.org/ws");
    expect(fromFlag.kind === "run" && fromFlag.options.server.ws).toBe("ws://10.1.1.1:9000/ws");
  });

  test("password, XDG_CONFIG_HOME, NO_COLOR and --receipts", () => {
    const parsed = parseCommandLine(["bob", "--receipts"], { ...env, CHAT_PASSWORD: "pw", XDG_CONFIG_HOME: "/x", NO_COLOR: "1" }, true);
    expect(parsed).toMatchObject({ kind: "run", options: { password: "pw", configDir: "/x/chat", color: false, receipts: true } });
  });

  test("no colour when not on a terminal", () => {
    expect(parseCommandLine(["bob"], env, false)).toMatchObject({ options: { color: false } });
  });

  test("--help", () => {
    expect(parseCommandLine(["--help"], env, true)).toEqual({ kind: "help" });
    expect(parseCommandLine(["-h"], env, true)).toEqual({ kind: "help" });
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
});
