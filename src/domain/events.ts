import type { ErrorCode, NoticeChange } from "../protocol/index.ts";
import type { Attachment } from "./attachments.ts";
import type { ConversationId, ConversationKind, UserId } from "./types.ts";

/**
 * A conversation's stream holds events of these kinds. What an event says lives in its body; the
 * functions at the end of this file are the only code that reads a message's text out of one
 * (limits, search), so an encrypted payload the server cannot read would change them alone.
 */
export type EventKind = "message" | "edit" | "delete" | "reaction" | "notice";

export interface Notice {
  change: NoticeChange;
  user?: string;
  group?: string;
  previousName?: string;
  seconds?: number;
}

/** What each kind of event says. `target` and `replyTo` name another event of the conversation by its id. */
export type EventBody =
  | { kind: "message"; text: string; replyTo?: string; attachment?: Attachment }
  | { kind: "edit"; target: string; text: string }
  | { kind: "delete"; target: string }
  | { kind: "reaction"; target: string; emoji: string | null }
  | { kind: "notice"; notice: Notice };

export type NewEvent = EventBody & {
  conv: ConversationId;
  senderId: UserId;
  clientId: string;
  sentAt: number;
  /** A member who never sees the event: the recipient who blocked its sender. Stored with the event, in its transaction. */
  hiddenFrom?: UserId;
};

/** The windows within which people may change what they sent. */
export interface EventPolicy {
  editWindowMs: number;
  deleteWindowMs: number;
}

export interface QuotedMessage {
  id: string;
  from: string;
  text: string;
  deleted: boolean;
}

export type AppendResult =
  | { ok: true; seq: number; sentAt: number; duplicate: boolean; expiresAt: number | null; quote: QuotedMessage | null }
  | { ok: false; reason: "not_member" }
  | { ok: false; reason: "refused"; code: ErrorCode; message: string };

/** An event as stored, with the current state of a message (latest text, edited, deleted). */
export interface StoredEvent {
  conv: ConversationId;
  seq: number;
  clientId: string;
  senderId: UserId;
  sender: string;
  sentAt: number;
  body: EventBody;
  editedAt: number | null;
  deleted: boolean;
  expiresAt: number | null;
  /** For a reply, the quoted message as it stands now; null when it is gone (retention). */
  quote: QuotedMessage | null;
  /** The viewer deleted this message for themselves. */
  hidden: boolean;
}

export interface Reaction {
  seq: number;
  emoji: string;
  user: string;
}

/** The message an action (edit, delete, reaction, reply) refers to, as the store found it. */
export interface TargetState {
  seq: number;
  senderId: UserId;
  kind: EventKind;
  sentAt: number;
  deleted: boolean;
}

/** Who is acting, in the conversation acted on. */
export interface ActingMember {
  userId: UserId;
  isAdmin: boolean;
  conversationKind: ConversationKind;
}

export type Refusal = { code: ErrorCode; message: string };

/**
 * The rules of acting on messages, judged by the store inside the transaction that stores the
 * action (so a message and its edit queued together are judged in order). Null: allowed.
 */
export function judgeEvent(event: EventBody, target: TargetState | null, actor: ActingMember, now: number, policy: EventPolicy): Refusal | null {
  if (event.kind === "notice") {
    if (event.notice.change === "timer" && actor.conversationKind === "group" && !actor.isAdmin) {
      return { code: "forbidden", message: "Only admins of a group can set its disappearing-message timer." };
    }
    return null;
  }
  const targetId = event.kind === "message" ? event.replyTo : event.target;
  if (targetId === undefined) return null;
  if (!target || target.kind !== "message") {
    return { code: "unknown_message", message: `There is no message '${targetId}' in this conversation.` };
  }
  switch (event.kind) {
    case "message":
      return null;
    case "edit":
      if (target.senderId !== actor.userId) return { code: "forbidden", message: "Only the author of a message can edit it." };
      if (target.deleted) return { code: "forbidden", message: "That message was deleted; it cannot be edited." };
      if (now - target.sentAt >= policy.editWindowMs) {
        return { code: "forbidden", message: `A message can be edited for ${describeWindow(policy.editWindowMs)} after it was sent.` };
      }
      return null;
    case "delete": {
      if (target.deleted) return { code: "forbidden", message: "That message was deleted already." };
      const asAdmin = actor.conversationKind === "group" && actor.isAdmin;
      if (asAdmin) return null;
      if (target.senderId !== actor.userId) {
        return { code: "forbidden", message: "Only the author of a message (or a group admin) can delete it for everyone." };
      }
      if (now - target.sentAt >= policy.deleteWindowMs) {
        return { code: "forbidden", message: `A message can be deleted for everyone for ${describeWindow(policy.deleteWindowMs)} after it was sent.` };
      }
      return null;
    }
    case "reaction":
      if (target.deleted) return { code: "forbidden", message: "That message was deleted; it cannot be reacted to." };
      return null;
  }
}

function describeWindow(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 !== 0) return `${minutes} minutes`;
  return `${minutes / 60} hours`;
}

/** The id of the event this one refers to, if any. */
export function targetOf(event: EventBody): string | undefined {
  if (event.kind === "message") return event.replyTo;
  if (event.kind === "notice") return undefined;
  return event.target;
}

/** The id of the attachment a message carries; null for every other event. */
export function attachmentIdOf(event: EventBody): string | null {
  return event.kind === "message" ? (event.attachment?.id ?? null) : null;
}

/** The text people typed into an event (a message or an edit); null for kinds without one. Limits and search read it here. */
export function textOf(event: EventBody): string | null {
  return event.kind === "message" || event.kind === "edit" ? event.text : null;
}

/** The words of a search, as the index splits text: letters and digits, lower-cased (at most 16). */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0).slice(0, 16);
}

/** The part of a text around the first of `words`, for a search hit: at most about `max` characters. */
export function snippetOf(text: string, words: string[], max = 120): string {
  const characters = [...text];
  if (characters.length <= max) return text;
  const lower = text.toLowerCase();
  const at = Math.max(0, Math.min(...words.map((word) => lower.indexOf(word)).filter((index) => index >= 0), lower.length));
  const start = Math.max(0, [...text.slice(0, at)].length - Math.floor(max / 3));
  const part = characters.slice(start, start + max).join("");
  return `${start > 0 ? "…" : ""}${part}${start + max < characters.length ? "…" : ""}`;
}

/** How long a text is, as the limit counts it: in characters (Unicode code points), not UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The start of a message, for a reply's quote: at most `max` characters. */
export function quoteOf(text: string, max = 100): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join("")}…`;
}

/**
 * How an event's body is kept in one text column, and read back. A message or edit keeps
 * its text as is (so search indexes it directly); the other kinds keep their fields as JSON.
 */
export function encodeBody(event: EventBody): string {
  switch (event.kind) {
    case "message":
    case "edit":
      return event.text;
    case "delete":
      return "";
    case "reaction":
      return event.emoji ?? "";
    case "notice":
      return JSON.stringify(event.notice);
  }
}

export function decodeBody(kind: EventKind, body: string, target: string | null): EventBody {
  switch (kind) {
    case "message":
      return target === null ? { kind, text: body } : { kind, text: body, replyTo: target };
    case "edit":
      return { kind, target: target ?? "", text: body };
    case "delete":
      return { kind, target: target ?? "" };
    case "reaction":
      return { kind, target: target ?? "", emoji: body === "" ? null : body };
    case "notice":
      return { kind, notice: JSON.parse(body) as Notice };
  }
}
