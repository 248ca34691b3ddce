import { expect, test } from "bun:test";
import { lastLine, shows, terminalSuite } from "./support.ts";

const { terminal, listener, atThePrompt } = terminalSuite();

test("a pasted block of lines is one message, sent on Enter to the recipient of its first line; a later line's first word sends nothing", async () => {
  const [bob, second] = [await listener("bob"), await listener("second")];
  await atThePrompt("alice");

  terminal.paste("alice", "bob pasted line one\nsecond line of paste");
  await terminal.waitFor("alice", "the paste on the input line", (lines) => lastLine(lines) === "> bob pasted line one⏎second line of paste");
  terminal.press("alice", "Enter");
  expect(await bob.stdout.line("[alice]:")).toBe("[alice]: pasted line one ↵ second line of paste");
  await terminal.waitFor("alice", "one line for the message", (lines) => lines.filter((line) => line.includes("[you → bob]: pasted line one ↵ second line of paste")).length === 1);

  // Had the second line gone out on its own, `second` would have had it before this.
  terminal.keys("alice", "second a message typed for second", true);
  expect(await second.stdout.line("[alice]:")).toBe("[alice]: a message typed for second");

  // Strangers until now: their first exchange told each side where the other stands.
  terminal.keys("alice", "/who bob", true);
  await terminal.waitFor("alice", "bob's presence", (lines) => lines.includes("bob is online"));
});

test("Ctrl-C with a half-typed line keeps it and asks; a second Ctrl-C quits", async () => {
  await atThePrompt("dora");
  terminal.keys("dora", "bob half a thou");
  terminal.press("dora", "C-c");
  const asked = await terminal.waitFor("dora", "the question", shows("Press Ctrl-C again to quit"));
  expect(lastLine(asked)).toBe("> bob half a thou");
  terminal.press("dora", "C-c");
  await terminal.waitFor("dora", "the exit", shows("exited with 0"));
});
