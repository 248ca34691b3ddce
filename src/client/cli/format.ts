import { isGroupAddress, type HistoryMessage, type MessageStatus } from "../../protocol/index.ts";
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

/**
 * `[alice]: text` for a direct message, `[#team][alice]: text` in a group, and
 * `[you → bob]: text` for a message the user sent (from this or another device).
 */
export function messageLine(message: Addressed, me: string): string {
  const text = sanitize(message.text);
  if (message.from === me) return `[you → ${message.to}]: ${text}`;
  if (isGroupAddress(message.to)) return `[${message.to}][${message.from}]: ${text}`;
  return `[${message.from}]: ${text}`;
}

export function timed(line: string, ts: number, style: Style): string {
  return `${style.dim(`[${formatTime(ts)}]`)} ${line}`;
}

export function historyLine(message: HistoryMessage, me: string, style: Style): string {
  const line = timed(messageLine(message, me), message.ts, style);
  return message.from === me ? `${line} ${tickMark(message.status, style)}` : line;
}

/** Script-mode receipt lines (with `--receipts`); documented in docs/client.md. */
export const receiptLines = {
  sent: (to: string, seq: number, id: string) => `receipt sent ${to} ${seq} ${id}`,
  watermark: (kind: "delivered" | "read", conversation: string, seq: number, by: string) => `receipt ${kind} ${conversation} ${seq} ${by}`,
};
