/** The interactive client's account questions in a real terminal (tmux): clack prompts over the chat screen, which comes back after. */
import { expect, test } from "bun:test";
import { lastLine, PASSWORD, shows, terminalSuite } from "./support.ts";

const suite = terminalSuite();
const { terminal } = suite;
const NEW_PASSWORD = "a new password for alice";

test("/password asks for the current and the new password (hidden) and whether to log the other devices out; the chat goes on after", async () => {
  const bob = await suite.listener("bob");
  await suite.atThePrompt("alice");
  terminal.keys("alice", "/password", true);
  await terminal.waitFor("alice", "the current password question", shows("Your current password"));
  terminal.keys("alice", PASSWORD, true);
  await terminal.waitFor("alice", "the new password question", shows("The new password"));
  terminal.keys("alice", NEW_PASSWORD, true);
  await terminal.waitFor("alice", "the second typing", shows("The new password again"));
  terminal.keys("alice", NEW_PASSWORD, true);
  await terminal.waitFor("alice", "the devices question", shows("Log your other devices out?"));
  terminal.keys("alice", "", true); // No, the default
  const changed = await terminal.waitFor("alice", "the result and the prompt", (lines) => shows("Password changed; your other devices stay logged in.")(lines) && lastLine(lines) === ">");
  expect(changed.some((line) => line.includes(PASSWORD) || line.includes(NEW_PASSWORD))).toBe(false);

  // The chat screen has its keyboard back.
  terminal.keys("alice", "bob still here", true);
  await bob.stdout.line("[alice]: still here");
  await terminal.waitFor("alice", "the tick", shows("[you → bob]: still here ✓"));
  // Keys go to the chat screen one by one again (raw mode), not as lines: Ctrl-C with a half-typed line asks.
  terminal.keys("alice", "bob half");
  await terminal.waitFor("alice", "the half-typed line", (lines) => lastLine(lines) === "> bob half");
  terminal.press("alice", "C-c");
  await terminal.waitFor("alice", "the question before quitting", shows("Press Ctrl-C again"));
});
