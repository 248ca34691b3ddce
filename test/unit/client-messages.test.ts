import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/client/cli/command.ts";
import { eventLine } from "../../src/client/cli/event-lines.ts";
import { makeStyle, PLAIN } from "../../src/client/cli/format.ts";
import { eventRecord, hitRecord, jsonLine, sentRecord } from "../../src/client/cli/json-records.ts";
import { MessageBook, parseMessageRef } from "../../src/client/cli/message-book.ts";
import { MessageViews, reactionSummary, viewLines, viewOfMessage } from "../../src/client/cli/message-view.ts";
import { noticeLine } from "../../src/client/cli/notices.ts";
import { ownEvent, refusalLine } from "../../src/client/cli/own-requests.ts";
import type { MessageFrame, NoticeFrame, StreamEvent } from "../../src/protocol/index.ts";

// Today at 09:05: the screen shows times of today without the date.
const TS = new Date().setHours(9, 5, 0, 0);
const base = { conv: 12, seq: 41, from: "alice", to: "bob", ts: TS };
const message = (extra: Partial<MessageFrame> = {}): MessageFrame => ({ type: "message", ...base, id: "m-1", text: "Hello Bob", ...extra });
const byId = (id: string) => `^${id}`;

describe("naming a message", () => {
  test("^12 and 12 may be short references; anything else that is an id is an id", () => {
    expect(parseMessageRef("^12")).toEqual({ id: "12", short: 12, caret: true });
    expect(parseMessageRef("12")).toEqual({ id: "12", short: 12, caret: false });
    expect(parseMessageRef("^0190a1b2-c3d4")).toEqual({ id: "0190a1b2-c3d4", caret: true });
    expect(parseMessageRef("m-01HZX")).toEqual({ id: "m-01HZX", caret: false });
    expect(parseMessageRef("b!d")).toBeUndefined();
    expect(parseMessageRef("^")).toBeUndefined();
  });

  test("interactive: shown messages get ^1, ^2 … that stay theirs, and lead back to the id and conversation", () => {
    const book = new MessageBook(true);
    expect(book.refer("m-1", "alice")).toBe("^1");
    expect(book.refer("m-2", "#team")).toBe("^2");
    expect(book.refer("m-1", "alice")).toBe("^1");
    expect(book.find("^2")).toEqual({ id: "m-2", to: "#team" });
    expect(book.find("1")).toEqual({ id: "m-1", to: "alice" });
    expect(book.label("m-2")).toBe("^2");
    expect(book.label("m-other")).toBe("an earlier message");
  });

  test("interactive: an unknown ^number is refused, a full id unseen this run goes without its conversation", () => {
    const book = new MessageBook(true);
    expect(() => book.find("^7")).toThrow(new UsageError("^7 is not a message shown in this session."));
    expect(book.find("0190-unseen")).toEqual({ id: "0190-unseen" });
    expect(() => book.find("no way")).toThrow(UsageError);
  });

  test("script mode names messages by id, and remembers the conversation of every event it saw", () => {
    const book = new MessageBook(false);
    expect(book.refer("m-1", "alice")).toBe("^m-1");
    expect(book.find("12")).toEqual({ id: "12" });
    const reaction: StreamEvent = { type: "reaction", ...base, from: "bob", to: "alice", id: "r-1", target: "m-9", emoji: "👍" };
    book.noteEvent(reaction, "alice");
    expect(book.find("^m-9")).toEqual({ id: "m-9", to: "bob" });
    book.noteEvent(message({ id: "m-3", to: "#team" }), "bob");
    expect(book.find("m-3")).toEqual({ id: "m-3", to: "#team" });
  });

  test("references are bounded: the oldest are forgotten", () => {
    const book = new MessageBook(true);
    for (let index = 0; index < 1_001; index++) book.refer(`m-${index}`, "alice");
    expect(() => book.find("^1")).toThrow(UsageError);
    expect(book.find("^1001")).toEqual({ id: "m-1000", to: "alice" });
  });
});

describe("script-mode lines", () => {
  test("a plain message keeps its line; a reply names what it answers", () => {
    expect(eventLine(message(), "bob", byId)).toBe("[alice]: Hello Bob");
    const reply = message({ id: "m-2", from: "bob", to: "alice", text: "Fine", replyTo: { id: "m-1", from: "alice", text: "Hello Bob" } });
    expect(eventLine(reply, "alice", byId)).toBe("[bob] (reply to ^m-1): Fine");
    expect(eventLine(message({ to: "#team" }), "bob", byId)).toBe("[#team][alice]: Hello Bob");
  });

  test("replayed messages show their state now", () => {
    expect(eventLine(message({ text: "Hello Bob!", edited: true }), "bob", byId)).toBe("[alice]: Hello Bob! (edited)");
    expect(eventLine(message({ text: "", deleted: true }), "bob", byId)).toBe("[alice]: message deleted");
  });

  test("edits, deletes and reactions are one readable line each", () => {
    const about = { ...base, id: "x-1", target: "m-1" };
    expect(eventLine({ type: "edit", ...about, text: "Hi\nBob" }, "bob", byId)).toBe("[alice] edited ^m-1: Hi ↵ Bob");
    expect(eventLine({ type: "edit", ...about, text: "" }, "bob", byId)).toBe("[alice] edited ^m-1");
    expect(eventLine({ type: "delete", ...about }, "bob", byId)).toBe("[alice] deleted ^m-1");
    expect(eventLine({ type: "reaction", ...about, from: "bob", to: "alice", emoji: "👍" }, "alice", byId)).toBe("[bob] reacted 👍 to ^m-1");
    expect(eventLine({ type: "reaction", ...about, from: "bob", to: "alice", emoji: null }, "alice", byId)).toBe("[bob] took back a reaction to ^m-1");
    expect(eventLine({ type: "edit", ...about, to: "#team", text: "Hi all" }, "alice", byId)).toBe("[you → #team] edited ^m-1: Hi all");
  });

  test("a refused request says what it was", () => {
    expect(refusalLine({ type: "send", to: "bobb", text: "hi" }, byId, "There is no user named 'bobb'.")).toBe(
      "Message to bobb not sent: There is no user named 'bobb'.",
    );
    expect(refusalLine({ type: "edit", target: "m-1", text: "x" }, byId, "Too late.")).toBe("Edit of ^m-1 not sent: Too late.");
    expect(refusalLine({ type: "react", target: "m-1", emoji: null }, byId, "No.")).toBe("Reaction to ^m-1 not sent: No.");
  });
});

describe("notices", () => {
  const notice = (extra: Partial<NoticeFrame>): NoticeFrame => ({ type: "notice", ...base, id: "t-1", change: "timer", ...extra });

  test("the disappearing-message timer, in a direct chat and a group", () => {
    expect(noticeLine(notice({ from: "bob", to: "alice", seconds: 86_400 }), "alice")).toBe("bob turned on disappearing messages: 24 hours");
    expect(noticeLine(notice({ from: "alice", to: "bob", seconds: 604_800 }), "alice")).toBe("you turned on disappearing messages with bob: 7 days");
    expect(noticeLine(notice({ to: "#team", seconds: 7_776_000 }), "bob")).toBe("[#team] alice turned on disappearing messages: 90 days");
    expect(noticeLine(notice({ to: "#team", seconds: 0 }), "bob")).toBe("[#team] alice turned off disappearing messages");
  });

  test("one's own timer, once stored, reads like the notice the others get", () => {
    const entry = { type: "timer" as const, id: "t-1", to: "bob", seconds: 86_400, createdAt: 0 };
    const own = ownEvent({ entry, conv: 12, seq: 50, ts: TS }, "alice", "bob");
    expect(own).toMatchObject({ type: "notice", change: "timer", seconds: 86_400, from: "alice", to: "bob", seq: 50 });
    expect(eventLine(own as StreamEvent, "alice", byId)).toBe("you turned on disappearing messages with bob: 24 hours");
  });
});

describe("--json records", () => {
  test("an event: its id and place, then its kind's fields; a reply gives the quoted id and the quote", () => {
    const reply = message({ id: "m-2", text: "Fine\n", replyTo: { id: "m-1", from: "bob", text: "How are you?" } });
    const line = jsonLine(eventRecord(reply));
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      type: "message",
      id: "m-2",
      conv: 12,
      seq: 41,
      from: "alice",
      to: "bob",
      ts: TS,
      text: "Fine\n",
      replyTo: "m-1",
      quote: { from: "bob", text: "How are you?" },
    });
    const reaction = eventRecord({ type: "reaction", ...base, id: "r-1", target: "m-1", emoji: "👍" });
    expect(reaction).toEqual({ type: "reaction", id: "r-1", conv: 12, seq: 41, from: "alice", to: "bob", ts: TS, target: "m-1", emoji: "👍" });
    expect(Object.keys(eventRecord(message({ edited: true })))).toEqual(["type", "id", "conv", "seq", "from", "to", "ts", "text", "edited"]);
  });

  test("a stored request of one's own, with its kind and target", () => {
    const stored = { conv: 12, seq: 42, ts: TS };
    const send = { type: "send" as const, id: "m-5", to: "bob", text: "Hello", createdAt: 1 };
    expect(sentRecord({ entry: send, ...stored }, "bob")).toEqual({ type: "sent", kind: "message", id: "m-5", to: "bob", text: "Hello", conv: 12, seq: 42, ts: TS });
    const react = { type: "react" as const, id: "r-5", target: "m-1", emoji: null, createdAt: 1 };
    expect(sentRecord({ entry: react, ...stored }, "bob")).toEqual({
      type: "sent",
      kind: "reaction",
      id: "r-5",
      to: "bob",
      target: "m-1",
      emoji: null,
      conv: 12,
      seq: 42,
      ts: TS,
    });
  });

  test("a search hit", () => {
    const hit = { conv: 12, seq: 41, id: "m-1", from: "alice", with: "alice", ts: TS, snippet: "…lunch friday…" };
    expect(hitRecord(hit)).toEqual({ type: "hit", ...hit });
  });
});

describe("messages on the interactive screen", () => {
  test("reactions are summed per emoji, most chosen first", () => {
    expect(reactionSummary(["❤️", "👍", "👍"])).toBe("👍 2  ❤️ 1");
    expect(reactionSummary([])).toBe("");
  });

  test("a message with its reference, then edited, reacted to and deleted", () => {
    const views = new MessageViews();
    const view = views.add(viewOfMessage(message()));
    expect(viewLines(view, "bob", PLAIN, { ref: "^3" })).toEqual({ line: "[09:05] [alice]: Hello Bob ^3" });
    views.apply({ type: "edit", target: "m-1", text: "Hello, Bob" });
    views.apply({ type: "reaction", target: "m-1", from: "bob", emoji: "👍" });
    views.apply({ type: "reaction", target: "m-1", from: "carol", emoji: "👍" });
    views.apply({ type: "reaction", target: "m-1", from: "dave", emoji: "❤️" });
    views.apply({ type: "reaction", target: "m-1", from: "dave", emoji: null });
    expect(viewLines(view, "bob", PLAIN, { ref: "^3" }).line).toBe("[09:05] [alice]: Hello, Bob (edited)  👍 2 ^3");
    expect(views.apply({ type: "delete", target: "m-1" })).toBe(view);
    expect(viewLines(view, "bob", PLAIN, { ref: "^3" }).line).toBe("[09:05] [alice]: message deleted ^3");
    expect(views.apply({ type: "delete", target: "m-unknown" })).toBeUndefined();
  });

  test("one's own message carries its tick; a reply comes with the quoted line", () => {
    const view = viewOfMessage(message({ from: "bob", to: "alice", replyTo: { id: "m-0", from: "alice", text: "x".repeat(60) } }));
    const { quote, line } = viewLines(view, "bob", PLAIN, { tick: "read", ref: "^4" });
    expect(quote).toBe(`  ┌ alice: ${"x".repeat(39)}…`);
    expect(line).toBe("[09:05] [you → alice]: Hello Bob ✓✓ read ^4");
    expect(viewLines({ ...view, replyTo: { id: "m-0" } }, "bob", PLAIN, { label: () => "^2" }).quote).toBe("  ┌ reply to ^2");
  });

  test("history entries keep their reactions", () => {
    const entry = { ...message(), status: "read" as const, reactions: [{ emoji: "👍", by: ["bob", "carol"] }] };
    expect(viewLines(viewOfMessage(entry), "bob", PLAIN).line).toBe("[09:05] [alice]: Hello Bob  👍 2");
  });

  test("the reference is dim, and so are edits and quotes", () => {
    const color = makeStyle(true);
    const { line } = viewLines({ ...viewOfMessage(message()), edited: true }, "bob", color, { ref: "^1" });
    expect(line).toContain("\x1b[2m^1\x1b[22m");
    expect(line).toContain("\x1b[2m(edited)\x1b[22m");
  });
});
