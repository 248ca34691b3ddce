import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/free-port.ts";
import { PASSWORD, runClient, scriptSuite, stateHome } from "./support.ts";

const { dir, client, server } = scriptSuite();

describe("chat-client in script mode, with the compiled binaries", () => {
  test("alice's `bob hello` arrives on bob's stdout as `[alice]: hello`", async () => {
    const chat = await server();
    const bob = client("bob", { server: chat, configHome: dir("chat-e2e-bob-") });
    await bob.stderr.line("connected");

    const alice = await runClient("alice", { server: chat, configHome: dir("chat-e2e-alice-") }, ["bob hello"]);
    expect(alice.code).toBe(0);
    expect(alice.stderr.filter((line) => line.includes("connected"))).toHaveLength(1);

    expect(await bob.stdout.line("[alice]: hello")).toBe("[alice]: hello");
    expect(await bob.finish()).toBe(0);
    expect(bob.stdout.lines).toEqual(["[alice]: hello"]);
  });

  test("a message acknowledged before kill -9 reaches bob after the restart, once per device", async () => {
    const dataDir = dir("chat-e2e-data-");
    const first = await server(dataDir);
    const port = first.port;
    const bobHome = dir("chat-e2e-bob-");
    const aliceHome = dir("chat-e2e-alice-");
    expect((await runClient("bob", { server: first, configHome: bobHome }, [])).code).toBe(0); // registers bob

    const alice = await runClient("alice", { server: first, configHome: aliceHome }, ["bob while you were away"]);
    expect(alice.code).toBe(0);
    expect(await first.stop("SIGKILL")).not.toBe(0);

    const second = await server(dataDir, port);
    const bob = client("bob", { server: second, configHome: bobHome });
    await bob.stdout.line("[alice]: while you were away");
    await bob.stderr.line("connected");
    expect(await bob.finish()).toBe(0);
    expect(bob.stdout.lines).toEqual(["[alice]: while you were away"]);

    const again = await runClient("bob", { server: second, configHome: bobHome }, []);
    expect(again).toMatchObject({ code: 0, stdout: [] });
  });

  test("the session is kept in the config directory and the cursors and outbox in the state directory, each with mode 0600, so the next start needs no password", async () => {
    const chat = await server();
    const home = dir("chat-e2e-carol-");
    expect((await runClient("bob", { server: chat, configHome: dir("chat-e2e-bob-") }, [])).code).toBe(0);
    expect((await runClient("carol", { server: chat, configHome: home }, ["bob hi"])).code).toBe(0);
    const sessionFile = join(home, "chat", `127.0.0.1_${chat.port}.carol.session.json`);
    const stateFile = join(stateHome(home), "chat", `127.0.0.1_${chat.port}.carol.state.json`);
    for (const file of [sessionFile, stateFile]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(file, "..")).mode & 0o777).toBe(0o700);
    }
    const session = JSON.parse(readFileSync(sessionFile, "utf8"));
    expect(session).toMatchObject({ user: "carol", session: { token: expect.any(String) } });
    expect(session).not.toHaveProperty("outbox");
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    expect(state).toMatchObject({ user: "carol", outbox: [] });
    expect(Object.values(state.titles)).toEqual(["bob"]);
    expect(Object.keys(state.cursors)).toEqual(Object.keys(state.titles));
    expect(state).not.toHaveProperty("session");
    const withoutPassword = await runClient("carol", { server: chat, configHome: home, password: "" }, []);
    expect(withoutPassword.code).toBe(0);
  });

  test("the single file of an earlier version is split into the session and state files, and its unsent message is sent", async () => {
    const chat = await server();
    const home = dir("chat-e2e-hank-");
    expect((await runClient("hank", { server: chat, configHome: home }, [])).code).toBe(0);
    const sessionFile = join(home, "chat", `127.0.0.1_${chat.port}.hank.session.json`);
    const stateFile = join(stateHome(home), "chat", `127.0.0.1_${chat.port}.hank.state.json`);
    const oldFile = join(home, "chat", `127.0.0.1_${chat.port}.hank.json`);
    // What an earlier version kept: everything in one file under XDG_CONFIG_HOME, here with a message it could not send.
    const { session } = JSON.parse(readFileSync(sessionFile, "utf8"));
    const queued = { type: "send", id: "m-before-the-upgrade", to: "bob", text: "typed before the upgrade", createdAt: Date.now() };
    writeFileSync(oldFile, JSON.stringify({ ...JSON.parse(readFileSync(stateFile, "utf8")), session, outbox: [queued] }), { mode: 0o600 });
    rmSync(sessionFile);
    rmSync(stateFile);

    const bob = client("bob", { server: chat, configHome: dir("chat-e2e-bob-") });
    await bob.stderr.line("connected");
    const upgraded = await runClient("hank", { server: chat, configHome: home, password: "" }, []); // the session must come from the old file
    expect(upgraded.code).toBe(0);
    expect(await bob.stdout.line("[hank]: typed before the upgrade")).toBe("[hank]: typed before the upgrade");
    expect(await bob.finish()).toBe(0);

    expect(existsSync(oldFile)).toBe(false);
    expect(JSON.parse(readFileSync(sessionFile, "utf8")).session).toEqual(session);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).outbox).toEqual([]);
    for (const file of [sessionFile, stateFile]) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("a damaged state file gives a sentence naming it, not a crash", async () => {
    const chat = await server();
    const home = dir("chat-e2e-frank-");
    expect((await runClient("frank", { server: chat, configHome: home }, [])).code).toBe(0);
    const stateFile = join(stateHome(home), "chat", `127.0.0.1_${chat.port}.frank.state.json`);
    writeFileSync(stateFile, '{"version": 1, "cursors": "nonsense"');
    const result = await runClient("frank", { server: chat, configHome: home }, ["bob hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([expect.stringContaining(`The client state file ${stateFile} is damaged`)]);
  });

  test("a wrong password is refused with a sentence and a non-zero exit, and nothing is sent", async () => {
    const chat = await server();
    expect((await runClient("dave", { server: chat, configHome: dir("chat-e2e-dave-") }, [])).code).toBe(0);
    const bobHome = dir("chat-e2e-bob-");
    expect((await runClient("bob", { server: chat, configHome: bobHome }, [])).code).toBe(0);

    const intruder = await runClient("dave", { server: chat, configHome: dir("chat-e2e-intruder-"), password: "not the password" }, [
      "bob give me your secrets",
    ]);
    expect(intruder.code).not.toBe(0);
    expect(intruder.stderr.join("\n")).toContain("Wrong password for dave");

    const bob = await runClient("bob", { server: chat, configHome: bobHome }, []);
    expect(bob.stdout).toEqual([]);
  });

  test("a CHAT_PASSWORD no account can have is refused by the client in a sentence, before anything is sent", async () => {
    const chat = await server();
    const result = await runClient("gina", { server: chat, configHome: dir("chat-e2e-gina-"), password: "short" }, ["bob hi"]);
    expect(result).toMatchObject({ code: 1, stdout: [] });
    expect(result.stderr).toEqual(["CHAT_PASSWORD cannot be the password of gina: A password has at least 8 characters. Nothing was sent."]);
  });

  test("an unreachable server gives a sentence and a non-zero exit", async () => {
    const port = freePort();
    const result = await runClient("erin", { server: { port }, configHome: dir("chat-e2e-erin-") }, ["bob hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr.join("\n")).toContain(`Cannot reach the chat server at 127.0.0.1:${port}`);
  });

  test("--receipts prints documented receipt lines; errors are one line each on stderr; a refused message means exit 1", async () => {
    const chat = await server();
    const bob = client("bob", { server: chat, configHome: dir("chat-e2e-bob-") });
    await bob.stderr.line("connected");
    const alice = client("alice", { server: chat, configHome: dir("chat-e2e-alice-") }, ["--receipts"]);
    await alice.stderr.line("connected");
    // Receipts flow between contacts only: bob accepts alice before she writes.
    bob.type("/accept alice");
    await bob.stdout.line("Accepted alice: you now share presence, typing and receipts.");

    alice.type("bob are you there?", "nobody-at-all hello", "bob");
    const sent = await alice.stdout.line(/^receipt sent bob \d+ \S+$/);
    const seq = Number(sent.split(" ")[3]);
    await bob.stdout.line("[alice]: are you there?");
    await alice.stdout.line(new RegExp(`^receipt delivered bob (\\d+) bob$`));
    const delivered = alice.stdout.lines.find((line) => line.startsWith("receipt delivered"));
    expect(Number(delivered?.split(" ")[3])).toBeGreaterThanOrEqual(seq);

    await alice.stderr.line("Message to nobody-at-all not sent");
    await alice.stderr.line("Type a message after the name");
    expect(await alice.finish()).toBe(1);
    expect(alice.stderr.lines.at(-1)).toBe("Refused (1): message to nobody-at-all.");
    expect(await bob.finish()).toBe(0);
  });

  test("a message that would arrive as an empty line (escape sequences only) is refused: exit 1, saying which", async () => {
    const chat = await server();
    const bob = client("bob", { server: chat, configHome: dir("chat-e2e-bob-") });
    await bob.stderr.line("connected");
    const alice = await runClient("alice", { server: chat, configHome: dir("chat-e2e-alice-") }, ["bob \x1b[2J\x1b]0;title\x07", "bob visible"]);
    expect(alice.code).toBe(1);
    expect(alice.stderr).toContain("Message to bob not sent: It would arrive as an empty line: it has nothing but spaces, control characters or escape sequences.");
    expect(alice.stderr.at(-1)).toBe("Refused (1): message to bob.");
    expect(await bob.stdout.line("[alice]:")).toBe("[alice]: visible");
    expect(await bob.finish()).toBe(0);
    expect(bob.stdout.lines).toEqual(["[alice]: visible"]);
  });

  test("text with escape sequences is printed without them", async () => {
    const chat = await server();
    const bob = client("bob", { server: chat, configHome: dir("chat-e2e-bob-") });
    await bob.stderr.line("connected");
    const alice = await runClient("alice", { server: chat, configHome: dir("chat-e2e-alice-") }, ["bob \x1b[2J\x1b]0;owned\x07clean"]);
    expect(alice.code).toBe(0);
    expect(await bob.stdout.line("[alice]:")).toBe("[alice]: clean");
    await bob.finish();
  });
});

describe("chat-client --help", () => {
  test("explains the usage and exits 0", async () => {
    const result = await runClient("--help", { server: { port: 1 }, configHome: dir("chat-e2e-help-"), password: PASSWORD }, []);
    expect(result.code).toBe(0);
    expect(result.stdout.join("\n")).toContain("Usage: chat-client <name>");
  });
});
