import type { Attachment } from "../domain/attachments.ts";
import { decodeBody, quoteOf, type EventBody, type EventKind, type StoredEvent } from "../domain/events.ts";

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
  /** The attachment a message carries, as a JSON object of its columns; null when none (or removed). */
  attachment: string | null;
}

/** A message's body with the attachment it carries, read from the row's JSON (a preview may be null there). */
function withAttachment(body: EventBody, json: string | null): EventBody {
  if (json === null || body.kind !== "message") return body;
  const { preview, ...attachment } = JSON.parse(json) as Attachment & { preview: string | null };
  return { ...body, attachment: preview === null ? attachment : { ...attachment, preview } };
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    conv: row.conv,
    seq: row.seq,
    clientId: row.clientId,
    senderId: row.senderId,
    sender: row.sender,
    sentAt: row.sentAt,
    body: withAttachment(decodeBody(row.kind, row.body, row.refId), row.attachment),
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
