/**
 * Makes text that other people wrote safe to print on a terminal: removes escape
 * sequences (colours, cursor moves, window titles, hyperlinks) and control characters,
 * including bidirectional overrides that could disguise a line, and shows line breaks
 * as ` ↵ ` so one message stays one line.
 */
const ESCAPE_SEQUENCES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]/g;
const LINE_BREAKS = /\r\n|\r|\n|\u2028|\u2029/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function sanitize(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "").replace(LINE_BREAKS, " ↵ ").replace(/\t/g, " ").replace(CONTROLS, "");
}
