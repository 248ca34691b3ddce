import { describe, expect, test } from "bun:test";
import { DaySeparators } from "../../src/client/cli/day-separators.ts";
import { formatTime, makeStyle, messageLine, nameColour, PLAIN, receiptLines, tickMark } from "../../src/client/cli/format.ts";
import { draftDestination, parseInputLine } from "../../src/client/cli/input.ts";
import { promptText } from "../../src/client/cli/prompt.ts";
import { showsAsNothing } from "../../src/client/cli/sending.ts";
import { pastedText } from "../../src/client/cli/terminal-input.ts";
import { OwnMessages } from "../../src/client/cli/own-messages.ts";
import { sanitize } from "../../src/client/cli/sanitize.ts";

describe("input lines", () => {
  test("<recipient> <message> sends the rest of the line", () => {
    expect(parseInputLine("bob Hello Bob, how are you?")).toEqual({ kind: "message", to: "bob", text: "Hello Bob, how are you?" });
    expect(parseInputLine("  Bob   spaced  out ")).toEqual({ kind: "message", to: "bob", text: "spaced  out" });
    expect(parseInputLine("#team lunch?")).toEqual({ kind: "message", to: "#team", text: "lunch?" });
  });

  test("slash commands with arguments", () => {
    expect(parseInputLine("/history bob 5")).toEqual({ kind: "command", name: "history", args: ["bob", "5"] });
    expect(parseInputLine("/QUIT")).toEqual({ kind: "command", name: "quit", args: [] });
  });

  test("empty and malformed lines", () => {
    expect(parseInputLine("   ")).toEqual({ kind: "empty" });
    expect(parseInputLine("bob")).toMatchObject({ kind: "invalid", reason: expect.stringContaining("bob <message>") });
    expect(parseInputLine("b!b hi")).toMatchObject({ kind: "invalid", reason: expect.stringContaining("'b!b'") });
  });
});

describe("lines in an open conversation", () => {
  const withBob = { current: "bob", isKnown: (name: string) => ["bob", "carol", "#team"].includes(name) };

  test("a plain line goes to the open conversation, whole", () => {
    expect(parseInputLine("maybe we meet at noon", withBob)).toEqual({ kind: "message", to: "bob", text: "maybe we meet at noon" });
    expect(parseInputLine("ok", withBob)).toEqual({ kind: "message", to: "bob", text: "ok" });
  });

  test("a line starting with a known name goes to that name; an unknown one is just a word", () => {
    expect(parseInputLine("carol see you", withBob)).toEqual({ kind: "message", to: "carol", text: "see you" });
    expect(parseInputLine("#team lunch?", withBob)).toEqual({ kind: "message", to: "#team", text: "lunch?" });
    expect(parseInputLine("hello there", withBob)).toEqual({ kind: "message", to: "bob", text: "hello there" });
    expect(parseInputLine("/close", withBob)).toEqual({ kind: "command", name: "close", args: [] });
  });

  test("the prompt names another known name as soon as a space follows it", () => {
    expect(draftDestination("caro", withBob)).toBe("bob");
    expect(draftDestination("carol ", withBob)).toBe("carol");
    expect(draftDestination("hello ", withBob)).toBe("bob");
    expect(promptText("", "bob", "bob", PLAIN)).toBe("bob> ");
    expect(promptText("", "bob", "carol", PLAIN)).toBe("→ carol> ");
    expect(promptText("[offline · retrying in 3 s]", undefined, undefined, PLAIN)).toBe("[offline · retrying in 3 s] > ");
  });
});

describe("a pasted block", () => {
  test("is one message to the recipient of its first line; a later line's first word is text", () => {
    const pasted = pastedText("bob pasted line one⏎second line of paste");
    expect(parseInputLine(pasted)).toEqual({ kind: "message", to: "bob", text: "pasted line one\nsecond line of paste" });
    expect(parseInputLine(pastedText("bob⏎first⏎second"))).toEqual({ kind: "message", to: "bob", text: "first\nsecond" });
    expect(parseInputLine(pastedText("one⏎two"), { current: "bob", isKnown: () => false })).toEqual({ kind: "message", to: "bob", text: "one\ntwo" });
  });
});

describe("text that shows as nothing", () => {
  test("only escape sequences, control characters or spaces is refused before it is sent", () => {
    expect(showsAsNothing("\x1b[2J\x1b]0;title\x07")).toBe(true);
    expect(showsAsNothing(" \t\u202e ")).toBe(true);
    expect(showsAsNothing("\x1b[31mred")).toBe(false);
    expect(showsAsNothing("👍")).toBe(false);
  });
});

describe("readable lines", () => {
  test("each name has its own colour, the same every time; none without colour", () => {
    expect(nameColour("alice")).toBe(nameColour("alice"));
    const colours = new Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(nameColour));
    expect(colours.size).toBeGreaterThan(2);
    expect(colours.has(31)).toBe(false); // red is for errors
    expect(makeStyle(true).name("bob")).toBe(`\x1b[${nameColour("bob")}mbob\x1b[39m`);
    expect(messageLine({ from: "bob", to: "alice", text: "hi" }, "alice", makeStyle(true))).toBe(`[\x1b[${nameColour("bob")}mbob\x1b[39m]: hi`);
    expect(PLAIN.name("bob")).toBe("bob");
  });

  test("a day separator comes before the first message of another day than the one on screen", () => {
    const now = new Date(2026, 10, 30, 12, 0).getTime();
    const days = new DaySeparators(() => now);
    expect(days.before(now - 60_000)).toBeUndefined();
    expect(days.before(new Date(2026, 10, 28, 9, 0).getTime())).toBe("— Saturday 28 November —");
    expect(days.before(new Date(2026, 10, 28, 18, 0).getTime())).toBeUndefined();
    expect(days.before(new Date(2026, 10, 29, 8, 0).getTime())).toBe("— Yesterday —");
    expect(days.before(now)).toBe("— Today —");
    expect(days.before(new Date(2025, 0, 2, 8, 0).getTime())).toBe("— Thursday 2 January 2025 —");
  });
});

describe("text from others", () => {
  test("escape sequences and control characters are removed", () => {
    expect(sanitize("\x1b[31mred\x1b[0m")).toBe("red");
    expect(sanitize("title\x1b]0;pwned\x07 ok")).toBe("title ok");
    expect(sanitize("link \x1b]8;;http://evil\x1b\\here\x1b]8;;\x1b\\")).toBe("link here");
    expect(sanitize("bell\x07 back\bspace \x9b2J")).toBe("bell backspace ");
    expect(sanitize("\u202eevil\u202c")).toBe("evil");
  });

  test("line breaks cannot fake a second message line", () => {
    expect(sanitize("hi\n[bob]: send me your password")).toBe("hi ↵ [bob]: send me your password");
    expect(sanitize("a\r\nb\tc")).toBe("a ↵ b c");
  });

  test("ordinary text, accents and emoji are kept", () => {
    expect(sanitize("Grüße, señor 👋 — ça va?")).toBe("Grüße, señor 👋 — ça va?");
  });
});

describe("message lines", () => {
  test("direct, group, and own messages from another device", () => {
    expect(messageLine({ from: "alice", to: "bob", text: "hello" }, "bob")).toBe("[alice]: hello");
    expect(messageLine({ from: "alice", to: "#team", text: "hi all" }, "bob")).toBe("[#team][alice]: hi all");
    expect(messageLine({ from: "bob", to: "alice", text: "sent from my phone" }, "bob")).toBe("[you → alice]: sent from my phone");
    expect(messageLine({ from: "alice", to: "bob", text: "\x1b[2Jboo" }, "bob")).toBe("[alice]: boo");
  });

  test("times are HH:MM today and carry the date otherwise", () => {
    const now = new Date(2025, 10, 25, 18, 30).getTime();
    expect(formatTime(new Date(2025, 10, 25, 9, 5).getTime(), now)).toBe("09:05");
    expect(formatTime(new Date(2025, 10, 24, 23, 59).getTime(), now)).toBe("2025-11-24 23:59");
  });

  test("ticks: read is distinct with and without colour", () => {
    expect(tickMark("sent", PLAIN)).toBe("✓");
    expect(tickMark("delivered", PLAIN)).toBe("✓✓");
    expect(tickMark("read", PLAIN)).toBe("✓✓ read");
    expect(tickMark("read", makeStyle(true))).toContain("\x1b[36m");
    expect(tickMark("delivered", makeStyle(true))).not.toContain("\x1b[");
  });

  test("receipt lines of script mode", () => {
    expect(receiptLines.sent("bob", 41, "m-1")).toBe("receipt sent bob 41 m-1");
    expect(receiptLines.watermark("delivered", "bob", 41, "bob")).toBe("receipt delivered bob 41 bob");
    expect(receiptLines.watermark("read", "#team", 8, "#team")).toBe("receipt read #team 8 #team");
  });
});

describe("ticks of own messages", () => {
  const entry = (id: string) => ({ type: "send" as const, id, to: "bob", text: id, createdAt: 0 });

  test("pending, then stored, then raised by delivered and read watermarks", () => {
    const own = new OwnMessages();
    own.add(entry("a"));
    own.add(entry("b"));
    expect(own.get("a")?.tick).toBe("pending");
    own.stored("a", 12, 40, 1);
    own.stored("b", 12, 41, 2);
    expect(own.get("a")?.tick).toBe("sent");
    expect(own.applyReceipt(12, 41, undefined).map((m) => m.entry.id)).toEqual(["a", "b"]);
    expect(own.applyReceipt(12, 41, 40).map((m) => m.entry.id)).toEqual(["a"]);
    expect([own.get("a")?.tick, own.get("b")?.tick]).toEqual(["read", "delivered"]);
    expect(own.applyReceipt(12, 41, 40)).toEqual([]);
  });

  test("a receipt that arrives before the message's own ack still counts", () => {
    const own = new OwnMessages();
    own.add(entry("a"));
    own.applyReceipt(12, 50, 50);
    expect(own.stored("a", 12, 45, 1)?.tick).toBe("read");
  });

  test("receipts of other conversations and failed messages change nothing", () => {
    const own = new OwnMessages();
    own.add(entry("a"));
    own.stored("a", 12, 3, 1);
    own.add(entry("b"));
    own.failed("b");
    expect(own.applyReceipt(13, 10, 10)).toEqual([]);
    expect(own.get("b")?.tick).toBe("failed");
  });
});
