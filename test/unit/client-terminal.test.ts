import { describe, expect, test } from "bun:test";
import { Attention, IDLE_AFTER_MS } from "../../src/client/cli/attention.ts";
import { TerminalInputParser } from "../../src/client/cli/terminal-input.ts";

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
