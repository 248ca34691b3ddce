import { expect, test } from "bun:test";
import { runClient, shows, terminalSuite } from "./support.ts";

const suite = terminalSuite();
const { terminal, listener, registered, atThePrompt } = suite;

test("on start, the last messages of recent conversations, with a separator where the unread ones begin, each shown once", async () => {
  const aliceHome = await registered("alice");
  const bobHome = await registered("bob", ["alice old news"]);
  const first = await atThePrompt("alice", aliceHome);
  const unread = first.findIndex((line) => line === "— 1 unread —");
  expect(unread).toBeGreaterThanOrEqual(0);
  expect(first[unread + 1]).toMatch(/^\[\d\d:\d\d\] \[bob\]: old news \^1$/);
  terminal.keys("alice", "/quit", true);
  await terminal.waitFor("alice", "the exit", shows("exited with 0"));

  // She saw it; then bob writes again while she is away.
  expect((await runClient("bob", { server: suite.server, configHome: bobHome }, ["alice fresh news"])).code).toBe(0);
  const second = await atThePrompt("alice", aliceHome, "again");
  // (bob is no contact of alice's: one line says so, with the choices.)
  const context = second.slice(0, second.findIndex((line) => line.startsWith("Connected to"))).filter((line) => !line.startsWith("· bob is not in your contacts"));
  expect(context.map((line) => line.replace(/^\[\d\d:\d\d\] /, ""))).toEqual(["[bob]: old news ^1", "— 1 unread —", "[bob]: fresh news ^2"]);
  // The connection's replay brings "fresh news" too: it is not shown twice.
  expect(second.filter((line) => line.includes("fresh news"))).toHaveLength(1);
});

test("a message counts as read when shown while the terminal has focus: not while it is away, at once when focus returns", async () => {
  const dave = await listener("dave", ["--receipts"]);
  await atThePrompt("carol");
  // Receipts flow between contacts: each accepts the other.
  dave.type("/accept carol");
  await dave.stdout.line("Accepted carol: you now share presence, typing and receipts.");
  terminal.keys("carol", "/accept dave", true);
  await terminal.waitFor("carol", "the accept", shows("Accepted dave: you now share presence, typing and receipts."));

  // The terminal reports that carol went to another window (xterm focus out: ESC [ O).
  terminal.keys("carol", "\x1b[O");
  dave.type("carol are you there?");
  const sent = Number((await dave.stdout.line(/^receipt sent carol /)).split(" ")[3]);
  await terminal.waitFor("carol", "dave's message", shows("[dave]: are you there?"));
  await dave.stdout.line(`receipt delivered carol ${sent} carol`);
  // A second message, delivered after any read mark the first one could have caused.
  dave.type("carol hello?");
  await dave.stdout.line(`receipt delivered carol ${sent + 1} carol`);
  expect(dave.stdout.lines.filter((line) => line.startsWith("receipt read"))).toEqual([]);

  terminal.keys("carol", "\x1b[I");
  await dave.stdout.line(`receipt read carol ${sent + 1} carol`);
});
