import { expect, test } from "bun:test";
import { lastLine, PASSWORD, terminalSuite } from "./support.ts";

const suite = terminalSuite();
const { terminal, dir, registered } = suite;

test("the interactive client in a terminal: login screens, prompt, ticks, and printing while the user types", async () => {
  // bob was set up earlier on his machine, so his client starts straight into the chat.
  terminal.open("bob", "bob", { server: suite.server, configHome: await registered("bob") });

  // alice is new: clack asks for the password, then whether to create the account.
  terminal.open("alice", "alice", { server: suite.server, configHome: dir("chat-e2e-alice-") });
  await terminal.waitFor("alice", "the password prompt", (lines) => lines.some((line) => line.includes("Password for alice")));
  terminal.keys("alice", PASSWORD, true);
  await terminal.waitFor("alice", "the registration question", (lines) => lines.some((line) => line.includes("Create it with this password?")));
  terminal.keys("alice", "", true);
  await terminal.waitFor("alice", "the second typing of the new password", (lines) => lines.some((line) => line.includes("Type the password for alice again")));
  terminal.keys("alice", PASSWORD, true);
  await terminal.waitFor("alice", "the chat prompt", (lines) => lines.some((line) => line.startsWith("Connected to")) && lastLine(lines) === ">");
  await terminal.waitFor("bob", "the chat prompt", (lines) => lastLine(lines) === ">");

  // The seed's example, and the ticks: bob's screen shows it, so it is read; alice learns so once bob accepts her.
  terminal.keys("alice", "bob Hello Bob, how are you?", true);
  const bobScreen = await terminal.waitFor("bob", "alice's message", (lines) => lines.some((line) => line.includes("[alice]: Hello Bob, how are you?")));
  expect(bobScreen.find((line) => line.includes("[alice]:"))).toMatch(/^\[\d\d:\d\d\] \[alice\]: Hello Bob, how are you\? \^1$/);
  await terminal.waitFor("bob", "the stranger line", (lines) => lines.some((line) => line.includes("· alice is not in your contacts: /accept alice")));
  expect(terminal.screen("alice").some((line) => line.includes("[you → bob]: Hello Bob, how are you? ✓ ^1"))).toBe(true);
  terminal.keys("bob", "/accept alice", true);
  const aliceScreen = await terminal.waitFor("alice", "the read mark", (lines) =>
    lines.some((line) => line.includes("[you → bob]: Hello Bob, how are you? ✓✓ read")),
  );
  expect(aliceScreen.filter((line) => line.includes("Hello Bob"))).toHaveLength(1); // updated in place
  expect(lastLine(aliceScreen)).toBe(">");

  // A message arrives while alice is in the middle of a line: it goes above, her line stays intact.
  terminal.keys("alice", "bob I am still typ");
  await terminal.waitFor("alice", "the half-typed line", (lines) => lastLine(lines).endsWith("> bob I am still typ"));
  // bob sees it on his prompt line, never among the messages.
  const typingShown = await terminal.waitFor("bob", "alice typing", (lines) => lastLine(lines) === "[alice typing…] >");
  expect(typingShown.filter((line) => line.includes("typing…"))).toHaveLength(1);
  terminal.keys("bob", "alice reply while you type", true);
  const whileTyping = await terminal.waitFor("alice", "bob's reply", (lines) => lines.some((line) => line.includes("[bob]: reply while you type")));
  expect(lastLine(whileTyping)).toBe("> bob I am still typ");
  const replyRow = whileTyping.findIndex((line) => line.includes("[bob]: reply while you type"));
  expect(whileTyping[replyRow]).toMatch(/^\[\d\d:\d\d\] \[bob\]: reply while you type \^\d+$/);

  terminal.keys("alice", "ing", true);
  await terminal.waitFor("bob", "the finished line", (lines) => lines.some((line) => line.includes("[alice]: I am still typing")));
  // Her message arrived: "typing" leaves bob's prompt with it, not when the notice expires (6 s later).
  const afterMessage = await terminal.waitFor("bob", "the typing label cleared", (lines) => lastLine(lines) === ">", 2_000);
  expect(afterMessage.some((line) => line.includes("typing…"))).toBe(false);

  // A group: the change is one line on bob's screen, and alice's message is read once every member has seen it.
  terminal.keys("alice", "/group create crew bob", true);
  await terminal.waitFor("alice", "the group", (lines) => lines.includes("Created #crew (2 members): alice (admin), bob"));
  await terminal.waitFor("bob", "the group notice", (lines) => lines.includes("[#crew] alice created the group"));
  terminal.keys("alice", "#crew lunch at noon?", true);
  await terminal.waitFor("bob", "the group message", (lines) => lines.some((line) => /^\[\d\d:\d\d\] \[#crew\]\[alice\]: lunch at noon\? \^\d+$/.test(line)));
  await terminal.waitFor("alice", "the group's read mark", (lines) => lines.some((line) => /\[you → #crew\]: lunch at noon\? ✓✓ read \^\d+$/.test(line)));

  // Messages are picked by the short reference after them: a reply quotes, a reaction, an edit and a delete show where the message is.
  terminal.keys("bob", "/reply ^1 Fine, thanks!", true);
  await terminal.waitFor("alice", "the reply under its quote", (lines) => {
    const reply = lines.findIndex((line) => /\[bob\]: Fine, thanks! \^\d+$/.test(line));
    return reply > 0 && lines[reply - 1] === "  ┌ you: Hello Bob, how are you?";
  });
  terminal.keys("bob", "/react ^1 👍", true);
  await terminal.waitFor("alice", "the reaction", (lines) => lines.some((line) => /\[you → bob\]: Hello Bob, how are you\? .*👍 1 \^1$/.test(line)));
  terminal.keys("alice", "/edit ^1 Hello Bob, how are you doing?", true);
  await terminal.waitFor("bob", "the edit", (lines) => lines.some((line) => /\[alice\]: Hello Bob, how are you doing\? \(edited\) +👍 1 \^1$/.test(line)));
  terminal.keys("alice", "/delete 1", true);
  await terminal.waitFor("bob", "the delete", (lines) => lines.some((line) => /\[alice\]: message deleted \^1$/.test(line)));

  // Commands.
  terminal.keys("alice", "/history bob 10", true);
  await terminal.waitFor("alice", "the history", (lines) => lines.filter((line) => line.includes("[you → bob]: I am still typing")).length === 2);
  terminal.keys("alice", "/quit", true);
  const after = await terminal.waitFor("alice", "the client to exit", (lines) => lines.some((line) => line.startsWith("exited with")));
  expect(after.find((line) => line.startsWith("exited with"))).toBe("exited with 0");
  if (process.env.SHOW_SCREENS) console.log([...after, "----", ...terminal.screen("bob")].join("\n"));
});
