import { z } from "zod";
import { ERROR_CODE_LIST } from "./errors.ts";
import { ContactFrame, GroupInviteFrame } from "./contacts.ts";
import { AttachmentId, ConversationId, DeleteFrame, EditFrame, Emoji, MessageFrame, NoticeFrame, ReactionFrame, Seq, TimerSeconds, Timestamp } from "./events.ts";
import { FreeText, MessageId, Name, Recipient, RequestId } from "./names.ts";

/**
 * WebSocket frames: JSON text, one object per frame, told apart by `type`.
 * Unknown fields are ignored (dropped by parsing), so a client cannot smuggle
 * a `from` or `sender`: the server decides who the sender is from the token.
 */


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

const MessageText = FreeText.pipe(z.string().min(1, { message: "a message cannot be empty" }));
/** A message's text, or the caption of its attachment (which may be empty). */
const TextOrCaption = FreeText.default("").meta({ description: "the message; with an `attachment`, its caption (may be empty or left out)" });
const ActionId = MessageId.meta({ description: "client-chosen id of this event, unique in its conversation; reuse it when retrying" });
const Target = MessageId.meta({ description: "the id of the message acted on" });
const TargetConversation = Recipient.optional().meta({
  description: "the conversation of `target` (user or `#group`); without it the server finds the one of your conversations that has `target`",
});

export const SendFrame = z
  .object({
    type: z.literal("send"),
    id: ActionId,
    to: Recipient,
    text: TextOrCaption,
    replyTo: MessageId.optional().meta({ description: "the id of an earlier message of the same conversation this one answers" }),
    attachment: AttachmentId.optional().meta({ description: "the id of a finished upload of yours (`POST /api/uploads`) to send with the message" }),
  })
  .refine((send) => send.text !== "" || send.attachment !== undefined, { message: "a message cannot be empty", path: ["text"] })
  .meta({
    description:
      "Sends a message to a user or a `#group`. Answered by `sent` once the message is stored, or by `error`. Retrying with the same id stores nothing new and answers the original `sent`. Ids are scoped by conversation: the same id sent to another conversation is another message, and an id another member already used in this conversation is refused with `id_taken`. With `attachment` (a finished upload of yours, refused with `unknown_attachment` otherwise) the message carries the file and `text` is its caption.",
    examples: [
      { type: "send", id: "m-01HZX", to: "bob", text: "Hello Bob, how are you?" },
      { type: "send", id: "m-01HZY", to: "alice", text: "Fine, thanks!", replyTo: "m-01HZX" },
      { type: "send", id: "m-01J10", to: "bob", text: "the report", attachment: "Gk3v0zq8QW2pXb7yLm1sTA" },
    ],
  });

export const EditRequest = z
  .object({ type: z.literal("edit"), id: ActionId, target: Target, text: MessageText, to: TargetConversation })
  .meta({
    description:
      "Replaces the text of your own message `target`, within the edit window (`--edit-window-minutes`, 15 by default) and unless it was deleted. Answered by `sent`; everyone gets an `edit` event.",
    examples: [{ type: "edit", id: "e-01HZZ", target: "m-01HZX", text: "Hello Bob, how are you doing?", to: "bob" }],
  });

export const DeleteRequest = z
  .object({ type: z.literal("delete"), id: ActionId, target: Target, to: TargetConversation })
  .meta({
    description:
      "Deletes message `target` for everyone: your own within the delete window (`--delete-window-hours`, 48 by default), or any message of a group you are an admin of. Its text and every edited version leave the server. Answered by `sent`; everyone gets a `delete` event. To delete for yourself only, use `POST /api/hide`.",
    examples: [{ type: "delete", id: "d-01HZZ", target: "m-01HZX" }],
  });

export const ReactRequest = z
  .object({
    type: z.literal("react"),
    id: ActionId,
    target: Target,
    emoji: Emoji.nullable().meta({ description: "your reaction; null takes it back" }),
    to: TargetConversation,
  })
  .meta({
    description: "Reacts to message `target` with one emoji, replacing your earlier reaction to it; `null` removes it. Answered by `sent`; everyone gets a `reaction` event.",
    examples: [{ type: "react", id: "r-01J00", target: "m-01HZX", emoji: "👍" }],
  });

export const TimerRequest = z
  .object({ type: z.literal("timer"), id: ActionId, to: Recipient, seconds: TimerSeconds })
  .meta({
    description:
      "Sets the conversation's disappearing-message timer: messages sent while it is on are removed from the server (as by delete for everyone) that long after they were sent. Anyone in a direct chat may set it; in a group, admins. Answered by `sent`; everyone gets a `notice` with `change: \"timer\"`.",
    examples: [{ type: "timer", id: "t-01J02", to: "alice", seconds: 86400 }],
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

export const PingFrame = z
  .object({ type: z.literal("ping"), id: RequestId })
  .meta({
    description:
      "Asks the server whether it is still there: answered at once by `pong` with the same id, before `hello` too. A client should ping when it has heard nothing for a couple of seconds and give up on a connection that answers nothing within a few seconds more (a frozen server keeps the TCP connection open): close it and connect again. Browsers cannot send WebSocket pings, hence this frame.",
    examples: [{ type: "ping", id: "p7" }],
  });

export const ClientFrame = z.discriminatedUnion("type", [HelloFrame, SendFrame, EditRequest, DeleteRequest, ReactRequest, TimerRequest, ReceivedFrame, ReadFrame, TypingFrame, PingFrame]);
/** The client frames that store an event: each has an id, is answered by `sent` (or `error`), and is retried with the same id. */
export const EventRequest = z.discriminatedUnion("type", [SendFrame, EditRequest, DeleteRequest, ReactRequest, TimerRequest]);
export type EventRequest = z.infer<typeof EventRequest>;
export type ClientFrame = z.infer<typeof ClientFrame>;

// ---------- server → client ----------

export const FrameLimit = z
  .object({
    perSecond: z.number().positive().meta({ description: "frames per second on average" }),
    burst: z.number().int().positive().meta({ description: "frames at once, counting from the connection's start with a full bucket" }),
  })
  .meta({ description: "a token bucket: how fast this connection may send frames before they are refused with `rate_limited`" });

export const ReadyFrame = z
  .object({
    type: z.literal("ready"),
    id: RequestId,
    user: Name,
    device: z.number().int(),
    frames: FrameLimit.optional().meta({ description: "the connection's frame limit (`--connection-frame-rate`, `--connection-frame-burst`); absent when there is none. A client should pace every frame it sends (acks included) to stay within it." }),
  })
  .meta({
    description: "Answers `hello` after the backlog has been sent: from here on messages arrive live.",
    examples: [{ type: "ready", id: "h1", user: "alice", device: 3, frames: { perSecond: 50, burst: 200 } }],
  });

export const PongFrame = z
  .object({ type: z.literal("pong"), id: RequestId })
  .meta({ description: "Answers `ping`: the server is there.", examples: [{ type: "pong", id: "p7" }] });

export const SentFrame = z
  .object({
    type: z.literal("sent"),
    id: MessageId,
    conv: ConversationId,
    seq: Seq,
    ts: Timestamp,
    expiresAt: Timestamp.optional().meta({ description: "when the message disappears, if the conversation's timer is on" }),
  })
  .meta({
    description: "The message (or edit, delete, reaction, timer) with this id is stored (✓) as `seq` in conversation `conv`.",
    examples: [{ type: "sent", id: "m-01HZX", conv: 12, seq: 41, ts: 1764093600000 }],
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
    description:
      "Where a contact stands (two people are contacts once each has written to the other or added them): for every contact when the device connects, to both people when they become contacts, and when a contact comes online or goes offline. Nobody else ever gets it. `lastSeen` is null when they hide it.",
    examples: [{ type: "presence", user: "bob", online: false, lastSeen: 1764093600000 }],
  });

export const GapFrame = z
  .object({
    type: z.literal("gap"),
    conv: ConversationId,
    with: Recipient.meta({ description: "the conversation: the other user, or the `#group`" }),
    after: Seq,
    until: Seq,
  })
  .meta({
    description:
      "Messages of `conv` after `after` up to `until` can no longer be sent (removed by retention). Replay continues after `until`.",
    examples: [{ type: "gap", conv: 12, with: "bob", after: 3, until: 17 }],
  });

export const HiddenFrame = z
  .object({ type: z.literal("hidden"), conv: ConversationId, target: MessageId })
  .meta({
    description:
      "You deleted message `target` for yourself (`POST /api/hide`, from any of your devices): stop showing it. Not part of the stream; history and replay mark the message `hidden`.",
    examples: [{ type: "hidden", conv: 12, target: "m-01HZX" }],
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
  EditFrame,
  DeleteFrame,
  ReactionFrame,
  NoticeFrame,
  ReceiptFrame,
  TypingNoticeFrame,
  PresenceFrame,
  GapFrame,
  HiddenFrame,
  ContactFrame,
  GroupInviteFrame,
  PongFrame,
  ErrorFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ReceiptFrame = z.infer<typeof ReceiptFrame>;

/** WebSocket close codes the server uses beyond the standard ones. */
export const CLOSE_CODES = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  revoked: 4001,
} as const;
