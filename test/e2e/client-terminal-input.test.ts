import { expect, test } from "bun:test";
import { lastLine, shows, terminalSuite } from "./support.ts";

const { terminal, listener, registered, atThePrompt } = terminalSuite();

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

  // Strangers until now: once bob accepts, each side learns where the other stands.
  bob.type("/accept alice");
  await bob.stdout.line("Accepted alice: you now share presence, typing and receipts.");
  terminal.keys("alice", "/who bob", true);
  await terminal.waitFor("alice", "bob's presence", (lines) => lines.includes("bob is online"));
});

test("typing to a name nobody has tells nobody and shows no error; Enter then says why nothing was sent", async () => {
  await atThePrompt("erin");
  terminal.keys("erin", "hello there, how is everyone tod");
  await terminal.waitFor("erin", "the half-typed line", (lines) => lastLine(lines) === "> hello there, how is everyone tod");
  terminal.keys("erin", "ay", true);
  const screen = await terminal.waitFor("erin", "the refusal", shows("Message to hello not sent: There is no user named 'hello'."));
  expect(screen.join("\n")).not.toContain("Server error");
  expect(screen.find((line) => line.includes("[you → hello]"))).toContain("✗ not sent");
});

test("/open sends plain lines to one person (prompt ben>); a line starting with another known name goes there; Tab completes; /close", async () => {
  const ben = await listener("ben");
  const home = await registered("ann", ["ben hi ben"]);
  await registered("cat", ["ann hello from cat"]);
  await atThePrompt("ann", home);
  await terminal.waitFor("ann", "cat's message from before she started", shows("[cat]: hello from cat"));

  terminal.keys("ann", "/op");
  terminal.press("ann", "Tab");
  await terminal.waitFor("ann", "the completed command", (lines) => lastLine(lines) === "> /open");
  terminal.keys("ann", "b");
  terminal.press("ann", "Tab");
  await terminal.waitFor("ann", "the completed name", (lines) => lastLine(lines) === "> /open ben");
  terminal.press("ann", "Enter");
  await terminal.waitFor("ann", "ben's prompt", (lines) => shows("· Talking to ben")(lines) && lastLine(lines) === "ben>");

  terminal.keys("ann", "maybe we meet at noon", true);
  expect(await ben.stdout.line("[ann]: maybe we meet at noon")).toBeDefined();

  terminal.keys("ann", "ca");
  terminal.press("ann", "Tab");
  await terminal.waitFor("ann", "cat's name completed, and the prompt saying where the line goes", (lines) => lastLine(lines) === "→ cat> cat");
  terminal.keys("ann", "just for cat", true);
  await terminal.waitFor("ann", "the line to cat, and ben's prompt again", (lines) => shows("[you → cat]: just for cat")(lines) && lastLine(lines) === "ben>");

  terminal.keys("ann", "/close", true);
  await terminal.waitFor("ann", "the plain prompt", (lines) => lastLine(lines) === ">");
  terminal.keys("ann", "/open", true);
  await terminal.waitFor("ann", "the numbered list", (lines) => shows("/1 ")(lines) && shows("/2 ")(lines));
  const first = terminal.screen("ann").find((line) => line.startsWith("/1 "))!.slice(3);
  terminal.keys("ann", "/1", true);
  await terminal.waitFor("ann", "conversation 1 open", (lines) => lastLine(lines) === `${first}>`);
  terminal.press("ann", "M-2");
  await terminal.waitFor("ann", "Alt+2 switching to the other", (lines) => lastLine(lines) === `${first === "ben" ? "cat" : "ben"}>`);
  expect(ben.stdout.lines).toEqual(["[ann]: hi ben", "[ann]: maybe we meet at noon"]);
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
