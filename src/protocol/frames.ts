import { z } from "zod";
import { ERROR_CODE_LIST } from "./errors.ts";
import { FreeText, MessageId, Name, Recipient, RequestId } from "./names.ts";

/**
 * WebSocket frames: JSON text, one object per frame, told apart by `type`.
 * Unknown fields are ignored (dropped by parsing), so a client cannot smuggle
 * a `from` or `sender`: the server decides who the sender is from the token.
 */

const ConversationId = z.number().int().positive();
const Seq = z.number().int().nonnegative();
const Timestamp = z.number().int().nonnegative().meta({ description: "milliseconds since the Unix epoch, server clock" });

// ---------- client → server ----------

export const HelloFrame = z
  .object({
    type: z.literal("hello"),
    id: RequestId,
    cursors: z
      .record(z.string().regex(/^[1-9][0-9]{0,15}$/), Seq)
      .optional()
      .meta({ description: "conversation id → last sequence this device processed; the server resumes after it" }),
  })
  .meta({
    description:
      "Starts the session after the upgrade. The server replays every stored message after the device's cursors, then answers `ready` and goes live. No other frame is accepted before it.",
    examples: [{ type: "hello", id: "h1", cursors: { "12": 40, "17": 3 } }],
  });

export const SendFrame = z
  .object({
    type: z.literal("send"),
    id: MessageId.meta({ description: "client-chosen message id; reuse it when retrying" }),
    to: Recipient,
    text: FreeText.pipe(z.string().min(1, { message: "a message cannot be empty" })),
  })
  .meta({
    description:
      "Sends a message to a user or a `#group`. Answered by `sent` once the message is stored, or by `error`. Retrying with the same id stores nothing new and answers the original `sent`.",
    examples: [{ type: "send", id: "m-01HZX", to: "bob", text: "Hello Bob, how are you?" }],
  });

export const ReceivedFrame = z
  .object({ type: z.literal("received"), conv: ConversationId, seq: Seq })
  .meta({
    description:
      "Cumulative delivery acknowledgement: this device has processed every message of `conv` up to `seq`. The sender sees ✓✓. No reply.",
    examples: [{ type: "received", conv: 12, seq: 41 }],
  });

export const ReadFrame = z
  .object({ type: z.literal("read"), conv: ConversationId, seq: Seq })
  .meta({
    description: "Read watermark: the user has seen `conv` up to `seq`. Reaches the sender and the reader's other devices. No reply.",
    examples: [{ type: "read", conv: 12, seq: 41 }],
  });

export const TypingFrame = z
  .object({ type: z.literal("typing"), to: Recipient })
  .meta({
    description: "The user is composing to `to`. Never stored; receivers clear it after a few seconds without a refresh. No reply.",
    examples: [{ type: "typing", to: "bob" }],
  });

export const ClientFrame = z.discriminatedUnion("type", [HelloFrame, SendFrame, ReceivedFrame, ReadFrame, TypingFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

// ---------- server → client ----------

export const ReadyFrame = z
  .object({ type: z.literal("ready"), id: RequestId, user: Name, device: z.number().int() })
  .meta({
    description: "Answers `hello` after the backlog has been sent: from here on messages arrive live.",
    examples: [{ type: "ready", id: "h1", user: "alice", device: 3 }],
  });

export const SentFrame = z
  .object({ type: z.literal("sent"), id: MessageId, conv: ConversationId, seq: Seq, ts: Timestamp })
  .meta({
    description: "The message with this id is stored (✓) as `seq` in conversation `conv`.",
    examples: [{ type: "sent", id: "m-01HZX", conv: 12, seq: 41, ts: 1764093600000 }],
  });

export const MessageFrame = z
  .object({
    type: z.literal("message"),
    conv: ConversationId,
    seq: Seq,
    id: MessageId,
    from: Name,
    to: Recipient.meta({ description: "the recipient user, or the `#group`" }),
    text: z.string(),
    ts: Timestamp,
  })
  .meta({
    description:
      "A stored message. Reaches every device of the recipient (or every member of the group) and the sender's other devices. Process in `seq` order per `conv`; a `seq` at or below one already processed is a repeat to drop.",
    examples: [
      { type: "message", conv: 12, seq: 41, id: "m-01HZX", from: "alice", to: "bob", text: "Hello Bob, how are you?", ts: 1764093600000 },
    ],
  });

export const ReceiptFrame = z
  .object({
    type: z.literal("receipt"),
    conv: ConversationId,
    by: Recipient.meta({ description: "a user, or the `#group` itself for the whole group's watermarks" }),
    delivered: Seq.optional(),
    read: Seq.optional(),
  })
  .meta({
    description:
      "Watermarks of user `by` in `conv`: every message up to `delivered` reached one of their devices (✓✓), up to `read` was seen. In a group, `by` is the `#group` and the marks are the lowest over its members (✓✓ once every member has it); who exactly is in `GET /api/groups/:name/receipts`.",
    examples: [
      { type: "receipt", conv: 12, by: "bob", delivered: 41, read: 40 },
      { type: "receipt", conv: 17, by: "#team", delivered: 8, read: 5 },
    ],
  });

export const TypingNoticeFrame = z
  .object({ type: z.literal("typing"), from: Name, to: Recipient })
  .meta({
    description: "`from` is typing to `to` (you, or a `#group` you are in). Clear it after 6 seconds without another.",
    examples: [{ type: "typing", from: "alice", to: "bob" }],
  });

export const PresenceFrame = z
  .object({ type: z.literal("presence"), user: Name, online: z.boolean(), lastSeen: Timestamp.nullable() })
  .meta({
    description: "A contact came online or went offline. `lastSeen` is null when they hide it.",
    examples: [{ type: "presence", user: "bob", online: false, lastSeen: 1764093600000 }],
  });

export const GapFrame = z
  .object({ type: z.literal("gap"), conv: ConversationId, after: Seq, until: Seq })
  .meta({
    description:
      "Messages of `conv` after `after` up to `until` can no longer be sent (removed by retention). Replay continues after `until`.",
    examples: [{ type: "gap", conv: 12, after: 3, until: 17 }],
  });

export const GroupChange = z.enum(["created", "added", "removed", "left", "promoted", "renamed"]);
export type GroupChange = z.infer<typeof GroupChange>;

export const GroupFrame = z
  .object({
    type: z.literal("group"),
    group: Name.meta({ description: "the group's name (after a rename: the new one)" }),
    conv: ConversationId,
    change: GroupChange,
    by: Name.meta({ description: "who made the change" }),
    user: Name.optional().meta({ description: "who was added, removed, promoted, or left" }),
    previousName: Name.optional().meta({ description: "the name before a rename" }),
  })
  .meta({
    description:
      "A group you are in (or were just removed from) changed. Not stored: a device that was offline lists its groups with `GET /api/groups`.",
    examples: [{ type: "group", group: "team", conv: 17, change: "added", by: "alice", user: "carol" }],
  });

export const ErrorFrame = z
  .object({
    type: z.literal("error"),
    id: z.string().optional().meta({ description: "the request's id, when the request had one that could be read" }),
    code: z.enum(ERROR_CODE_LIST),
    message: z.string(),
    retryAfterMs: z.number().int().nonnegative().optional(),
  })
  .meta({
    description: "A request failed. `code` is stable (see the table of codes), `message` is for people.",
    examples: [{ type: "error", id: "m-01HZY", code: "unknown_user", message: "There is no user named 'bobb'." }],
  });

export const ServerFrame = z.discriminatedUnion("type", [
  ReadyFrame,
  SentFrame,
  MessageFrame,
  ReceiptFrame,
  TypingNoticeFrame,
  PresenceFrame,
  GapFrame,
  GroupFrame,
  ErrorFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type MessageFrame = z.infer<typeof MessageFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ReceiptFrame = z.infer<typeof ReceiptFrame>;
export type GroupFrame = z.infer<typeof GroupFrame>;

/** WebSocket close codes the server uses beyond the standard ones. */
export const CLOSE_CODES = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  revoked: 4001,
  tooSlow: 4008,
} as const;
