import { isGroupAddress, type MessageStatus } from "../../protocol/index.ts";
import { sanitize } from "./sanitize.ts";

/** Colours for the interactive client; plain text when colour is off (NO_COLOR, not a terminal). */
export interface Style {
  dim(text: string): string;
  accent(text: string): string;
  warn(text: string): string;
  error(text: string): string;
  bold(text: string): string;
}

export function makeStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) => (color ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { dim: wrap(2, 22), accent: wrap(36, 39), warn: wrap(33, 39), error: wrap(31, 39), bold: wrap(1, 22) };
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
}

/** Who said it, as lines start: `[alice]`, `[#team][alice]`, or `[you → bob]` for the user (from this or another device). */
export function speaker(event: { from: string; to: string }, me: string): string {
  if (event.from === me) return `[you → ${event.to}]`;
  if (isGroupAddress(event.to)) return `[${event.to}][${event.from}]`;
  return `[${event.from}]`;
}

/** `[alice]: text` for a direct message, `[#team][alice]: text` in a group, `[you → bob]: text` for the user's own. */
export function messageLine(message: Addressed, me: string): string {
  return `${speaker(message, me)}: ${sanitize(message.text)}`;
}

export function timed(line: string, ts: number, style: Style): string {
  return `${style.dim(`[${formatTime(ts)}]`)} ${line}`;
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
