import { z } from "zod";
import { ERROR_CODE_LIST } from "./errors.ts";
import { AttachmentInfo, ConversationId, Emoji, NoticeFrame, Quote, Seq, Timestamp } from "./events.ts";
import { AccountName, DeviceName, MessageId, Name, Password, Recipient, UserLabel } from "./names.ts";

/** HTTP request and response bodies. Authenticated routes take `Authorization: Bearer <token>`. */

export const Credentials = z
  .object({
    name: AccountName,
    password: Password,
    device: DeviceName.optional().meta({ description: "a label for this device, shown in the device list" }),
    invite: z
      .string()
      .max(128)
      .optional()
      .meta({ description: "register only: an invite code (`chat-server admin invite`), needed when the server runs with `--registration invite`; login ignores it" }),
  })
  .meta({
    description: "Body of `POST /api/register` and `POST /api/login`.",
    examples: [{ name: "alice", password: "correct horse battery", device: "laptop" }],
  });
export type Credentials = z.infer<typeof Credentials>;

export const Session = z
  .object({
    user: Name,
    token: z.string().meta({ description: "this device's session token; the server keeps only its hash" }),
    device: z.object({ id: z.number().int(), name: z.string() }),
  })
  .meta({
    description: "Answer to register (201) and login (200).",
    examples: [{ user: "alice", token: "Jq3…", device: { id: 3, name: "laptop" } }],
  });
export type Session = z.infer<typeof Session>;

export const BrowserSession = z
  .object({
    user: Name,
    device: z.object({ id: z.number().int(), name: z.string() }),
  })
  .meta({
    description:
      "Answer to `POST /api/browser/register` (201), `POST /api/browser/login` (200) and `GET /api/session` (200). The browser variants take Credentials and set the session cookie instead of returning the token (see Browser sessions).",
    examples: [{ user: "alice", device: { id: 4, name: "Chrome on Linux" } }],
  });
export type BrowserSession = z.infer<typeof BrowserSession>;

export const HistoryQuery = z
  .object({
    with: Recipient,
    before: z.coerce.number().int().positive().optional().meta({ description: "return messages with seq below this (the `next` of the previous page)" }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .meta({ description: "Query string of `GET /api/history`.", examples: [{ with: "bob", limit: 20 }] });

export const MessageStatus = z.enum(["sent", "delivered", "read"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const ReactionCount = z.object({ emoji: Emoji, by: z.array(UserLabel).meta({ description: "who reacted with it" }) });

export const HistoryMessage = z.object({
  type: z.literal("message"),
  conv: ConversationId,
  seq: Seq,
  id: MessageId,
  from: UserLabel,
  to: Recipient,
  text: z.string().meta({ description: "the current text; empty when deleted" }),
  ts: Timestamp,
  status: MessageStatus,
  replyTo: Quote.optional(),
  attachment: AttachmentInfo.optional().meta({ description: "the file it carries (then `text` is its caption); absent once deleted" }),
  edited: z.boolean().optional(),
  deleted: z.boolean().optional(),
  expiresAt: Timestamp.optional(),
  reactions: z.array(ReactionCount).optional().meta({ description: "each emoji with who reacted with it; absent when none" }),
});
export type HistoryMessage = z.infer<typeof HistoryMessage>;
export const HistoryNotice = NoticeFrame;

export const HistoryEntry = z.discriminatedUnion("type", [HistoryMessage, HistoryNotice]);
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const HistoryPage = z
  .object({
    messages: z.array(HistoryEntry).meta({ description: "messages and notices, newest first; edits, deletes and reactions are folded into their messages" }),
    next: z.number().int().nullable().meta({ description: "pass as `before` for the next (older) page; null at the start" }),
  })
  .meta({
    description:
      "Answer to `GET /api/history`: each message as it stands now (latest text, \"deleted\", reactions), and the conversation's notices. Messages you deleted for yourself are left out. `status` is the recipient's view: sent (stored), delivered, read.",
    examples: [
      {
        messages: [
          {
            type: "message",
            conv: 12,
            seq: 41,
            id: "m-01HZX",
            from: "alice",
            to: "bob",
            text: "Hello",
            ts: 1764093600000,
            status: "read",
            edited: true,
            reactions: [{ emoji: "👍", by: ["bob"] }],
          },
        ],
        next: 41,
      },
    ],
  });
export type HistoryPage = z.infer<typeof HistoryPage>;

export const ConversationSummary = z.object({
  with: Recipient.meta({ description: "the conversation, as in `GET /api/history?with=`: the other user, or the `#group`" }),
  conv: ConversationId,
  kind: z.enum(["direct", "group"]),
  read: z.number().int().nonnegative().meta({ description: "your read mark: you have seen the conversation up to this seq" }),
  unread: z.number().int().nonnegative().meta({ description: "others' messages after your read mark, neither deleted nor hidden; reactions, edits and notices never count" }),
  last: HistoryEntry.nullable().meta({ description: "the newest message or notice you see, as in the history (with its tick); null when there is none" }),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ConversationList = z
  .object({
    conversations: z.array(ConversationSummary).meta({ description: "newest activity first; conversations without messages last" }),
  })
  .meta({
    description: "Answer to `GET /api/conversations`: every conversation you are in (people and groups), for a chat list.",
    examples: [
      {
        conversations: [
          {
            with: "bob",
            conv: 12,
            kind: "direct",
            read: 40,
            unread: 1,
            last: { type: "message", conv: 12, seq: 41, id: "m-01HZX", from: "bob", to: "alice", text: "Lunch?", ts: 1764093600000, status: "delivered" },
          },
        ],
      },
    ],
  });
export type ConversationList = z.infer<typeof ConversationList>;

export const SearchQuery = z
  .object({
    q: z.string().trim().min(1, { message: "give some words to search for" }).max(200),
    before: z.string().regex(/^[0-9]{1,16}$/).optional().meta({ description: "the `next` of the previous page" }),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .meta({ description: "Query string of `GET /api/search`.", examples: [{ q: "lunch friday", limit: 20 }] });

export const SearchHit = z.object({
  conv: ConversationId,
  seq: Seq,
  id: MessageId,
  from: UserLabel,
  with: Recipient.meta({ description: "the conversation, as in `GET /api/history?with=`: the other user, or the `#group`" }),
  ts: Timestamp,
  snippet: z.string().meta({ description: "the words around the match (the whole text when short)" }),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchPage = z
  .object({
    hits: z.array(SearchHit).meta({ description: "newest first" }),
    next: z.string().nullable().meta({ description: "pass as `before` for the next page; null when there is no more" }),
  })
  .meta({
    description:
      "Answer to `GET /api/search`: messages with every word of `q` (whole words, any case), in the conversations you are in now, sent after you joined them. Deleted messages, messages you hid, and messages of groups you left are not found. Words are split at anything but letters and digits; on SQLite accents are ignored (`cafe` finds `café`), on PostgreSQL they count, and an e-mail address or URL is one word there.",
    examples: [{ hits: [{ conv: 12, seq: 41, id: "m-01HZX", from: "alice", with: "alice", ts: 1764093600000, snippet: "…shall we have lunch friday at…" }], next: null }],
  });
export type SearchPage = z.infer<typeof SearchPage>;

export const MessagePlace = z
  .object({
    id: MessageId,
    conv: ConversationId,
    with: Recipient.meta({ description: "the conversation, as in `GET /api/history?with=`: the other user, or the `#group`" }),
  })
  .meta({
    description: "Answer to `GET /api/messages/:id`: which of your conversations holds the message with this id (to reply to it, or jump to it).",
    examples: [{ id: "m-01HZX", conv: 12, with: "alice" }],
  });
export type MessagePlace = z.infer<typeof MessagePlace>;

export const HideRequest = z
  .object({
    id: MessageId.meta({ description: "the message to delete for yourself" }),
    to: Recipient.optional().meta({ description: "its conversation; found from the id when absent" }),
  })
  .meta({
    description: "Body of `POST /api/hide`: delete a message for yourself. Your devices stop showing it (a `hidden` frame); others keep it.",
    examples: [{ id: "m-01HZX", to: "bob" }],
  });

export const DeviceInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: z.number().int(),
  lastActive: z.number().int(),
  current: z.boolean(),
});
export const DeviceList = z
  .object({ devices: z.array(DeviceInfo) })
  .meta({
    description: "Answer to `GET /api/devices`. `DELETE /api/devices/:id` logs one out at once (204).",
    examples: [{ devices: [{ id: 3, name: "laptop", createdAt: 1764093600000, lastActive: 1764093700000, current: true }] }],
  });
export type DeviceList = z.infer<typeof DeviceList>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODE_LIST),
      message: z.string(),
      retryAfterMs: z.number().int().optional(),
    }),
  })
  .meta({
    description: "Every 4xx/5xx answer.",
    examples: [{ error: { code: "wrong_password", message: "The name and password do not match." } }],
  });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Readiness = z
  .object({
    ready: z.boolean(),
    checks: z.record(z.string(), z.enum(["ok", "unreachable"])).meta({ description: "each dependency (`store`, `bus`) and whether it answers" }),
  })
  .meta({
    description: "Answer to `GET /readyz`: 200 when every dependency answers, 503 when one does not.",
    examples: [{ ready: false, checks: { store: "unreachable", bus: "ok" } }],
  });
export type Readiness = z.infer<typeof Readiness>;
