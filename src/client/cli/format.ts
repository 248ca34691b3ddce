import { formatSize } from "../../domain/attachments.ts";
import { isGroupAddress, type MessageStatus } from "../../protocol/index.ts";
import { sanitize } from "./sanitize.ts";

/** Colours for the interactive client; plain text when colour is off (NO_COLOR, not a terminal). */
export interface Style {
  dim(text: string): string;
  accent(text: string): string;
  warn(text: string): string;
  error(text: string): string;
  bold(text: string): string;
  /** A person's name in their own colour, the same in every session (and on every machine). */
  name(name: string): string;
}

/** Foreground colours for names: green, blue, magenta, cyan and yellow, plain and bright; red is kept for errors. */
const NAME_COLOURS = [32, 34, 35, 36, 33, 92, 94, 95, 96, 93];

export function makeStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) => (color ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    dim: wrap(2, 22),
    accent: wrap(36, 39),
    warn: wrap(33, 39),
    error: wrap(31, 39),
    bold: wrap(1, 22),
    name: (name) => wrap(nameColour(name), 39)(name),
  };
}

/** The colour of a name: a hash of it (FNV-1a), so it never changes and needs no memory. */
export function nameColour(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193);
  return NAME_COLOURS[(hash >>> 0) % NAME_COLOURS.length]!;
}

export const PLAIN: Style = makeStyle(false);

/** Where one of your own messages stands: queued locally, stored (✓), delivered (✓✓), read, or refused. */
export type Tick = "pending" | MessageStatus | "failed";

export function tickMark(tick: Tick, style: Style): string {
  switch (tick) {
    case "pending":
      return style.dim("…");
    case "sent":
      return "✓";
    case "delivered":
      return "✓✓";
    case "read":
      return style.accent("✓✓ read");
    case "failed":
      return style.error("✗ not sent");
  }
}

/** `HH:MM` today, `YYYY-MM-DD HH:MM` on other days, local time. */
export function formatTime(ts: number, now: number = Date.now()): string {
  const date = new Date(ts);
  const pad = (value: number) => String(value).padStart(2, "0");
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (new Date(now).toDateString() === date.toDateString()) return clock;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock}`;
}

interface Addressed {
  from: string;
  to: string;
  text: string;
  /** A file it carries; then `text` is its caption. */
  attachment?: { name: string; size: number };
}

/**
 * Who said it, as lines start: `[alice]`, `[#team][alice]`, or `[you → bob]` for the user (from this or another
 * device); people's names in their colours.
 */
export function speaker(event: { from: string; to: string }, me: string, style: Style = PLAIN): string {
  const to = isGroupAddress(event.to) ? event.to : style.name(event.to);
  if (event.from === me) return `[you → ${to}]`;
  if (isGroupAddress(event.to)) return `[${event.to}][${style.name(event.from)}]`;
  return `[${style.name(event.from)}]`;
}

/** `[alice]: text` for a direct message, `[#team][alice]: text` in a group, `[you → bob]: text` for the user's own. */
export function messageLine(message: Addressed, me: string, style: Style = PLAIN): string {
  return `${speaker(message, me, style)}: ${messageText(message)}`;
}

/** A message's text, cleaned; with a file, `📎 report.pdf (2.1 MB) caption`. */
export function messageText(message: Pick<Addressed, "text" | "attachment">): string {
  if (!message.attachment) return sanitize(message.text);
  const file = `📎 ${sanitize(message.attachment.name)} (${formatSize(message.attachment.size)})`;
  return message.text === "" ? file : `${file} ${sanitize(message.text)}`;
}

/** `[14:02] line`, the time dim; `clockOnly` leaves out the date of another day (a day separator says it). */
export function timed(line: string, ts: number, style: Style, clockOnly = false): string {
  return `${style.dim(`[${clockOnly ? formatTime(ts, ts) : formatTime(ts)}]`)} ${line}`;
}

/** Cleaned text cut to `max` characters with `…`, for quotes and reminders of a message. */
export function shorten(text: string, max = 40): string {
  const clean = sanitize(text);
  return [...clean].length > max ? `${[...clean].slice(0, max - 1).join("")}…` : clean;
}

/** Script-mode receipt lines (with `--receipts`); documented in docs/client.md. */
export const receiptLines = {
  sent: (to: string, seq: number, id: string) => `receipt sent ${to} ${seq} ${id}`,
  watermark: (kind: "delivered" | "read", conversation: string, seq: number, by: string) => `receipt ${kind} ${conversation} ${seq} ${by}`,
};
