import { describe, expect, test } from "bun:test";
import { Attention, IDLE_AFTER_MS } from "../../src/client/cli/attention.ts";
import { COMMANDS } from "../../src/client/cli/commands.ts";
import { complete, sharedStart } from "../../src/client/cli/completion.ts";
import { ConnectionLabel } from "../../src/client/cli/connection-label.ts";
import { Conversations } from "../../src/client/cli/conversations.ts";
import { PresenceNotices } from "../../src/client/cli/presence-notices.ts";
import { TerminalInputParser } from "../../src/client/cli/terminal-input.ts";
import { TypingIndicator } from "../../src/client/cli/typing.ts";
import { PresenceBook } from "../../src/client/sdk/presence-book.ts";

describe("what the terminal sends", () => {
  test("a bracketed paste is text on the line: its line breaks shown as ⏎, tabs as spaces, control characters dropped", () => {
    const parser = new TerminalInputParser();
    expect(parser.feed("\x1b[200~bob one\r\ntwo\rthree\n\tfour\x03\x1b[201~")).toEqual([{ kind: "keys", text: "bob one⏎two⏎three⏎    four" }]);
    expect(parser.feed("\r")).toEqual([{ kind: "keys", text: "\r" }]); // Enter after the paste is Enter
  });

  test("markers split between reads are put together; a lone Escape goes through once nothing follows it", () => {
    const parser = new TerminalInputParser();
    expect(parser.feed("hi \x1b[20")).toEqual([{ kind: "keys", text: "hi " }]);
    expect(parser.holding).toBe(true);
    expect(parser.feed("0~a\nb\x1b[2")).toEqual([{ kind: "keys", text: "a⏎b" }]);
    expect(parser.feed("01~\x1b")).toEqual([]);
    expect(parser.flush()).toEqual([{ kind: "keys", text: "\x1b" }]);
    expect(parser.feed("\x1b[A")).toEqual([{ kind: "keys", text: "\x1b[A" }]); // an arrow key is a key
  });

  test("focus reports are told apart from keys", () => {
    const parser = new TerminalInputParser();
    expect(parser.feed("a\x1b[Ob\x1b[I")).toEqual([
      { kind: "keys", text: "a" },
      { kind: "focus", focused: false },
      { kind: "keys", text: "b" },
      { kind: "focus", focused: true },
    ]);
  });
});

describe("read means read", () => {
  function attention() {
    let now = 1_000_000;
    const marked: Array<[number, number]> = [];
    const subject = new Attention((conv, seq) => marked.push([conv, seq]), () => now);
    return { subject, marked, pass: (ms: number) => (now += ms) };
  }

  test("with focus reports: read when shown with focus, or when focus comes back", () => {
    const { subject, marked } = attention();
    subject.focus(false);
    subject.shown(1, 5);
    subject.shown(1, 6);
    subject.shown(2, 3);
    expect(marked).toEqual([]);
    subject.focus(true);
    expect(marked).toEqual([[1, 6], [2, 3]]);
    subject.shown(1, 7);
    expect(marked.at(-1)).toEqual([1, 7]);
  });

  test("without them: read while a key was pressed in the last two minutes, else at the next key", () => {
    const { subject, marked, pass } = attention();
    subject.shown(1, 1);
    expect(marked).toEqual([[1, 1]]);
    pass(IDLE_AFTER_MS + 1);
    subject.shown(1, 2);
    expect(marked).toEqual([[1, 1]]);
    subject.keypress();
    expect(marked).toEqual([[1, 1], [1, 2]]);
  });

  test("a key is proof of focus, whatever was reported last", () => {
    const { subject, marked } = attention();
    subject.focus(false);
    subject.shown(4, 9);
    subject.keypress();
    expect(marked).toEqual([[4, 9]]);
    expect(subject.present).toBe(true);
  });
});

describe("names and conversations", () => {
  const conversations = () => new Conversations({ titles: () => ["bob", "#team", "carol"], contacts: () => ["dave", "bob"] });

  test("names to complete: this session's partners first, then conversations, then other contacts, groups last", () => {
    const subject = conversations();
    expect(subject.names()).toEqual(["bob", "carol", "dave", "#team"]);
    subject.active("carol");
    expect(subject.names()).toEqual(["carol", "bob", "dave", "#team"]);
    expect(subject.isKnown("dave")).toBe(true);
    expect(subject.isKnown("hello")).toBe(false);
  });

  test("numbered in the order they came: the recent ones from before first, newest first", () => {
    const subject = conversations();
    subject.recent(["#team", "bob"]);
    subject.active("erin");
    expect(subject.list()).toEqual([
      { number: 1, name: "#team" },
      { number: 2, name: "bob" },
      { number: 3, name: "erin" },
    ]);
    expect(subject.open("bob")).toBe(2);
    expect(subject.current).toBe("bob");
    expect(subject.close()).toBe("bob");
    expect(subject.current).toBeUndefined();
  });

  test("typing notices and the prompt: only names this device knows, once the line has text", () => {
    const subject = conversations();
    expect(subject.typingTo("hello there")).toBeUndefined(); // nobody this device knows is called hello
    expect(subject.typingTo("bob")).toBeUndefined();
    expect(subject.typingTo("bob hi")).toBe("bob");
    expect(subject.promptTarget("carol ")).toBeUndefined(); // nothing is open: the prompt stays `> `
    subject.open("bob");
    expect(subject.typingTo("hello there")).toBe("bob");
    expect(subject.promptTarget("carol ")).toBe("carol");
    expect(subject.route("carol see you")).toEqual({ kind: "message", to: "carol", text: "see you" });
  });

  test("Tab: commands after a slash, a family's subcommands, names where a command takes one and in text", () => {
    const names = ["bob", "barbara", "#team"];
    expect(complete("/hi", names, COMMANDS)).toEqual({ word: "/hi", matches: ["/history"] });
    expect(complete("/group a", names, COMMANDS).matches).toEqual(["add", "admin"]);
    expect(complete("/history b", names, COMMANDS).matches).toEqual(["bob", "barbara"]);
    expect(complete("/group add #te", names, COMMANDS).matches).toEqual(["#team"]);
    expect(complete("/react 12 b", names, COMMANDS).matches).toEqual([]);
    expect(complete("ba", names, COMMANDS).matches).toEqual(["barbara"]);
    expect(complete("bob ask ba", names, COMMANDS).matches).toEqual(["barbara"]);
    expect(sharedStart(["/delete", "/delete-for-me"])).toBe("/delete");
  });
});

describe("typing notices", () => {
  test("go only to the known name the line is for, at most every three seconds", () => {
    const sent: string[] = [];
    let destination: string | undefined;
    const typing = new TypingIndicator({ typing: (to) => void sent.push(to) }, () => destination, () => {});
    typing.draftChanged();
    destination = "bob";
    typing.draftChanged();
    typing.draftChanged();
    expect(sent).toEqual(["bob"]);
    typing.dispose();
  });
});

describe("the connection on the prompt", () => {
  test("counts down to the next try, and remembers since when it is offline", () => {
    let now = 0;
    let changes = 0;
    const label = new ConnectionLabel(() => changes++, () => now);
    label.update({ state: "ready", user: "alice", device: 1 });
    expect(label.label).toBe("");
    now = 60_000;
    label.update({ state: "offline", attempt: 1, retryInMs: 4_000, reason: "the connection was lost", wasReady: true });
    expect(label.label).toBe("[offline · retrying in 4 s]");
    now += 1_500;
    expect(label.label).toBe("[offline · retrying in 3 s]");
    expect(label.offlineSince).toBe(60_000);
    label.update({ state: "connecting", attempt: 2 });
    expect(label.label).toBe("[reconnecting…]");
    label.update({ state: "ready", user: "alice", device: 1 });
    expect(label.offlineSince).toBeUndefined();
    expect(changes).toBe(4);
    label.dispose();
  });
});

describe("presence lines", () => {
  test("going offline is told only if it lasts: a contact who drops and comes back makes no line", async () => {
    const printed: string[] = [];
    let linePrinted = () => {};
    const notices = new PresenceNotices(new PresenceBook(), () => true, (line) => (printed.push(line), linePrinted()), 20);
    notices.record({ type: "presence", user: "bob", online: true, lastSeen: null });
    notices.record({ type: "presence", user: "bob", online: false, lastSeen: 1 });
    notices.record({ type: "presence", user: "bob", online: true, lastSeen: null });
    notices.record({ type: "presence", user: "carol", online: false, lastSeen: null });
    notices.record({ type: "presence", user: "carol", online: true, lastSeen: null });
    expect(printed).toEqual(["carol is online"]);
    const told = new Promise<void>((resolve) => (linePrinted = resolve));
    notices.record({ type: "presence", user: "bob", online: false, lastSeen: null });
    expect(printed).toEqual(["carol is online"]);
    await told; // once the grace time (20 ms here) has passed
    expect(printed).toEqual(["carol is online", "bob is offline (last seen not available)"]);
    notices.dispose();
  });
});
