import type { ServerFrame, StreamEvent } from "../../protocol/index.ts";
import type { StoredMessage } from "../sdk/connection.ts";
import { eventLine } from "./event-lines.ts";
import { receiptLines } from "./format.ts";
import { eventRecord, hiddenRecord, jsonLine, type JsonRecord, outputRecord, receiptRecord, sentRecord } from "./json-records.ts";
import type { MessageBook } from "./message-book.ts";
import type { OwnGroupChanges } from "./own-group-changes.ts";
import { ownEvent } from "./own-requests.ts";

/** What script mode writes on stdout: lines for people, or with `--json` one JSON record per line. */
export interface ScriptOutput {
  /** An event of a conversation, once, in order. */
  event(frame: StreamEvent): void;
  /** One of this device's requests is stored (✓); `to` is its conversation. */
  stored(stored: StoredMessage, to: string): void;
  /** The user deleted a message for themselves. */
  hidden(frame: Extract<ServerFrame, { type: "hidden" }>): void;
  /** A delivered or read watermark of `by` in conversation `to` went up. */
  watermark(status: "delivered" | "read", to: string, seq: number, by: string): void;
  /** A line of a command's result. */
  print(line: string): void;
  /** Structured command results (search hits); only with `--json`. */
  record?(record: JsonRecord): void;
}

export interface OutputSetup {
  me: string;
  /** `--receipts`: also report ✓, ✓✓ and read. */
  receipts: boolean;
  book: MessageBook;
  ownGroupChanges: OwnGroupChanges;
  write(line: string): void;
}

/** `[alice]: text`, `[alice] edited ^<id>: text`, `[#team] alice added carol`, and `receipt …` lines with `--receipts`. */
export function plainOutput({ me, receipts, book, ownGroupChanges, write }: OutputSetup): ScriptOutput {
  const label = (id: string) => book.label(id);
  return {
    event(frame) {
      if (frame.type === "message" && frame.hidden) return; // the user deleted it for themselves
      if (frame.type === "notice" && ownGroupChanges.isOwn(frame)) return;
      write(eventLine(frame, me, label));
    },
    stored(stored, to) {
      if (receipts) write(receiptLines.sent(to, stored.seq, stored.entry.id));
      // A timer changes the conversation for everyone: its notice is the result of `/timer`.
      const own = ownEvent(stored, me, to);
      if (own?.type === "notice") write(eventLine(own, me, label));
    },
    hidden() {
      // `/delete-for-me` says so itself; another device's doing needs no line here.
    },
    watermark(status, to, seq, by) {
      if (receipts) write(receiptLines.watermark(status, to, seq, by));
    },
    print: write,
  };
}

/** Every event, every stored request and every search hit as one JSON record; command lines as `output` records. */
export function jsonOutput({ receipts, write }: OutputSetup): ScriptOutput {
  const emit = (record: JsonRecord) => write(jsonLine(record));
  return {
    event: (frame) => emit(eventRecord(frame)),
    stored: (stored, to) => emit(sentRecord(stored, to)),
    hidden: (frame) => emit(hiddenRecord(frame)),
    watermark(status, to, seq, by) {
      if (receipts) emit(receiptRecord(status, to, seq, by));
    },
    print: (line) => emit(outputRecord(line)),
    record: emit,
  };
}
