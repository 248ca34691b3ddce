import type { SearchHit, ServerFrame, StreamEvent } from "../../protocol/index.ts";
import type { StoredMessage } from "../sdk/connection.ts";

/**
 * Script mode with `--json`: one JSON object per line on stdout, told apart by `type`
 * (documented in docs/client.md). Text is given as it was written; JSON escapes control
 * characters, so each object stays one line.
 */
export type JsonRecord = { type: string } & Record<string, unknown>;

export function jsonLine(record: JsonRecord): string {
  return JSON.stringify(record);
}

/**
 * An event of a conversation: `id`, `conv`, `seq`, `from`, `to`, `ts`, then its kind's fields.
 * A reply's `replyTo` is the quoted message's id, and `quote` what it said (`from`, `text`, `deleted`).
 */
export function eventRecord(frame: StreamEvent): JsonRecord {
  const { type, id, conv, seq, from, to, ts, ...rest } = frame;
  const head = { type, id, conv, seq, from, to, ts };
  if (type !== "message" || !("replyTo" in rest) || rest.replyTo === undefined) return { ...head, ...rest };
  const { replyTo, ...fields } = rest;
  const { id: replyId, ...quote } = replyTo;
  return { ...head, ...fields, replyTo: replyId, quote };
}

const KINDS = { send: "message", edit: "edit", delete: "delete", react: "reaction", timer: "timer" } as const;

/**
 * One of this device's requests, stored by the server (✓): `kind` (message, edit, delete, reaction,
 * timer), `id`, `to` (its conversation), the request's own fields (`text`, `replyTo`, `target`,
 * `emoji`, `seconds`), and where it was stored: `conv`, `seq`, `ts`.
 */
export function sentRecord({ entry, conv, seq, ts }: StoredMessage, to: string): JsonRecord {
  const { type, id, createdAt: _queuedAt, to: _to, ...fields } = entry;
  return { type: "sent", kind: KINDS[type], id, to, ...fields, conv, seq, ts };
}

export function hitRecord(hit: SearchHit): JsonRecord {
  return { type: "hit", ...hit };
}

/** The user deleted message `target` for themselves (this or another device). */
export function hiddenRecord(frame: Extract<ServerFrame, { type: "hidden" }>): JsonRecord {
  return { type: "hidden", conv: frame.conv, target: frame.target };
}

/** With `--receipts`: a delivered or read watermark of `by` in conversation `to`. */
export function receiptRecord(status: "delivered" | "read", to: string, seq: number, by: string): JsonRecord {
  return { type: "receipt", status, to, seq, by };
}

/** A line of a command's result (`/history`, `/groups`, …), kept on stdout as JSON too. */
export function outputRecord(text: string): JsonRecord {
  return { type: "output", text };
}
