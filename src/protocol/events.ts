import { z } from "zod";
import { MessageId, Name, Recipient, UserLabel } from "./names.ts";

/**
 * A conversation is one stream of typed events with dense `seq` numbers: messages, and what
 * people do to them afterwards (edit, delete, react), and notices of changes to the
 * conversation (members, name, disappearing-message timer). Every kind travels the same way:
 * replayed after the device's cursor, acknowledged with `received`, in `seq` order, once.
 */

export const ConversationId = z.number().int().positive();
export const Seq = z.number().int().nonnegative();
export const Timestamp = z.number().int().nonnegative().meta({ description: "milliseconds since the Unix epoch, server clock" });

/** One emoji (with its modifiers and joiners): a reaction. */
export const Emoji = z
  .string()
  .max(32)
  .regex(/^[\p{Extended_Pictographic}\p{Emoji_Component}\p{Emoji_Modifier}\u200d\ufe0f]+$/u, { message: "a reaction is one emoji" })
  .refine((emoji) => /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u.test(emoji), { message: "a reaction is one emoji" });

/** The disappearing-message timers one may choose, in seconds: off, 24 hours, 7 days, 90 days. */
export const TIMER_CHOICES = [0, 86_400, 604_800, 7_776_000] as const;
export const TimerSeconds = z
  .number()
  .int()
  .refine((seconds) => (TIMER_CHOICES as readonly number[]).includes(seconds), {
    message: `the timer is one of ${TIMER_CHOICES.join(", ")} seconds (off, 24 hours, 7 days, 90 days)`,
  });

export const NoticeChange = z.enum(["created", "added", "joined", "removed", "left", "promoted", "renamed", "timer"]);
export type NoticeChange = z.infer<typeof NoticeChange>;

/** What every stored event carries: where it stands, who did it, and when. */
const EventFields = {
  conv: ConversationId,
  seq: Seq,
  id: MessageId.meta({ description: "the event's id: chosen by the client that sent it, unique in its conversation" }),
  from: UserLabel.meta({ description: "who sent it: their name, or `deleted account` once their account was deleted" }),
  to: Recipient.meta({ description: "the recipient user, or the `#group`" }),
  ts: Timestamp,
};

export const Quote = z
  .object({
    id: MessageId,
    from: UserLabel,
    text: z.string().meta({ description: "the start of the quoted message's current text; empty once it was deleted" }),
    deleted: z.boolean().optional(),
  })
  .meta({ description: "The message a reply quotes, as it stands now." });
export type Quote = z.infer<typeof Quote>;

export const AttachmentId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22,64}$/, { message: "an attachment id is the `id` of an upload" })
  .meta({ description: "an upload's id, unguessable; as an attachment's id it names the same bytes" });

export const AttachmentInfo = z
  .object({
    id: AttachmentId,
    name: z.string().meta({ description: "the file name the sender gave" }),
    size: z.number().int().nonnegative().meta({ description: "bytes, as the server counted them" }),
    type: z.string().meta({ description: "the media type read from the bytes' own signature (`application/octet-stream` when none is known)" }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).meta({ description: "SHA-256 of the bytes, hex, computed by the server" }),
    preview: z.string().optional().meta({ description: "a small image (`data:image/…;base64,…`, a few KB) to show until the file is fetched" }),
  })
  .meta({ description: "A file sent with a message; its bytes are at `GET /api/attachments/{id}`, for the conversation's members." });
export type AttachmentInfo = z.infer<typeof AttachmentInfo>;

export const MessageFrame = z
  .object({
    type: z.literal("message"),
    ...EventFields,
    text: z.string().meta({ description: "the current text (after edits); empty when deleted or hidden" }),
    replyTo: Quote.optional(),
    attachment: AttachmentInfo.optional().meta({ description: "the file sent with it (then `text` is its caption, possibly empty); absent once deleted or hidden" }),
    edited: z.boolean().optional().meta({ description: "true once the text was edited" }),
    deleted: z.boolean().optional().meta({ description: "true once deleted for everyone (or expired): show \"message deleted\"" }),
    hidden: z.boolean().optional().meta({ description: "true when you deleted it for yourself: do not show it" }),
    expiresAt: Timestamp.optional().meta({ description: "when it disappears, if the conversation's timer was on when it was sent" }),
  })
  .meta({
    description:
      "A message. Reaches every device of the recipient (or every member of the group) and the sender's other devices. A message replayed after it was edited or deleted shows its current state; the `edit` or `delete` event follows it in the stream.",
    examples: [
      { type: "message", conv: 12, seq: 41, id: "m-01HZX", from: "alice", to: "bob", text: "Hello Bob, how are you?", ts: 1764093600000 },
      {
        type: "message",
        conv: 12,
        seq: 42,
        id: "m-01HZY",
        from: "bob",
        to: "alice",
        text: "Fine, thanks!",
        ts: 1764093660000,
        replyTo: { id: "m-01HZX", from: "alice", text: "Hello Bob, how are you?" },
      },
    ],
  });
export type MessageFrame = z.infer<typeof MessageFrame>;

export const EditFrame = z
  .object({
    type: z.literal("edit"),
    ...EventFields,
    target: MessageId.meta({ description: "the id of the edited message" }),
    text: z.string().meta({ description: "its new text (empty once the message was deleted)" }),
  })
  .meta({
    description: "The author changed the text of message `target`: show the new text, marked \"edited\".",
    examples: [{ type: "edit", conv: 12, seq: 43, id: "e-01HZZ", from: "alice", to: "bob", target: "m-01HZX", text: "Hello Bob, how are you doing?", ts: 1764093700000 }],
  });

export const DeleteFrame = z
  .object({
    type: z.literal("delete"),
    ...EventFields,
    target: MessageId.meta({ description: "the id of the deleted message" }),
  })
  .meta({
    description: "Message `target` was deleted for everyone (by its author, or by a group admin): show \"message deleted\" in its place. Its text is gone from the server.",
    examples: [{ type: "delete", conv: 12, seq: 44, id: "d-01HZZ", from: "alice", to: "bob", target: "m-01HZX", ts: 1764093800000 }],
  });

export const ReactionFrame = z
  .object({
    type: z.literal("reaction"),
    ...EventFields,
    target: MessageId.meta({ description: "the id of the message reacted to" }),
    emoji: Emoji.nullable().meta({ description: "`from`'s reaction now; null: they took it back. One per person per message." }),
  })
  .meta({
    description: "`from` reacted to message `target` (replacing any earlier reaction of theirs). Not a message: it does not make a chat unread.",
    examples: [{ type: "reaction", conv: 12, seq: 45, id: "r-01J00", from: "bob", to: "alice", target: "m-01HZX", emoji: "👍", ts: 1764093900000 }],
  });

export const NoticeFrame = z
  .object({
    type: z.literal("notice"),
    ...EventFields,
    change: NoticeChange,
    user: UserLabel.optional().meta({ description: "who was added, removed, promoted, or left; for `joined`, whose invitation `from` accepted" }),
    group: Name.optional().meta({ description: "the group's name when the notice was made (after a rename: the new one)" }),
    previousName: Name.optional().meta({ description: "the name before a rename" }),
    seconds: z.number().int().optional().meta({ description: "the disappearing-message timer set by `timer` (0: off)" }),
  })
  .meta({
    description:
      "A change to the conversation, made by `from`: a group created, a member added, removed or promoted, a member who left, a rename, or the disappearing-message timer set. Stored in the stream, so a device that was offline learns it in order. The devices of a removed member that are connected get the notice of their removal, then nothing more of the group.",
    examples: [
      { type: "notice", conv: 17, seq: 9, id: "n-01J01", from: "alice", to: "#team", change: "added", user: "carol", group: "team", ts: 1764094000000 },
      { type: "notice", conv: 12, seq: 46, id: "t-01J02", from: "bob", to: "alice", change: "timer", seconds: 86400, ts: 1764094100000 },
    ],
  });

/** Every stored event, as the server sends it: process them per `conv` in `seq` order. */
export const StreamEvent = z.discriminatedUnion("type", [MessageFrame, EditFrame, DeleteFrame, ReactionFrame, NoticeFrame]);
export type StreamEvent = z.infer<typeof StreamEvent>;
export type EditFrame = z.infer<typeof EditFrame>;
export type DeleteFrame = z.infer<typeof DeleteFrame>;
export type ReactionFrame = z.infer<typeof ReactionFrame>;
export type NoticeFrame = z.infer<typeof NoticeFrame>;
export const STREAM_EVENT_TYPES = new Set<string>(["message", "edit", "delete", "reaction", "notice"]);

export function isStreamEvent(frame: { type: string }): frame is StreamEvent {
  return STREAM_EVENT_TYPES.has(frame.type);
}
