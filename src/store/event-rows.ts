import { decodeBody, quoteOf, type EventKind, type StoredEvent } from "../domain/events.ts";

/** One event as both drivers read it, numbers already numbers: the stored columns plus the quoted message of a reply. */
export interface EventRow {
  conv: number;
  seq: number;
  clientId: string;
  senderId: number;
  sender: string;
  kind: EventKind;
  body: string;
  refId: string | null;
  sentAt: number;
  editedAt: number | null;
  deleted: boolean;
  expiresAt: number | null;
  /** The quoted message of a reply: null when the event is no reply or the message is gone. */
  quoteFrom: string | null;
  quoteText: string | null;
  quoteDeleted: boolean | null;
  hidden: boolean;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    conv: row.conv,
    seq: row.seq,
    clientId: row.clientId,
    senderId: row.senderId,
    sender: row.sender,
    sentAt: row.sentAt,
    body: decodeBody(row.kind, row.body, row.refId),
    editedAt: row.editedAt,
    deleted: row.deleted,
    expiresAt: row.expiresAt,
    quote:
      row.refId !== null && row.quoteFrom !== null
        ? { id: row.refId, from: row.quoteFrom, text: quoteOf(row.quoteText ?? ""), deleted: row.quoteDeleted === true }
        : null,
    hidden: row.hidden,
  };
}
