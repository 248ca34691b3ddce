import { expect, test } from "bun:test";
import { shows, terminalSuite } from "./support.ts";

const { terminal, listener, atThePrompt } = terminalSuite();

test("a message counts as read when shown while the terminal has focus: not while it is away, at once when focus returns", async () => {
  const dave = await listener("dave", ["--receipts"]);
  await atThePrompt("carol");

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
