import type { StreamEvent } from "../../protocol/index.ts";
import type { ChatConnection, StoredMessage } from "../sdk/connection.ts";
import type { NewRequest } from "../sdk/outbox.ts";
import type { Label } from "./event-lines.ts";
import type { MessageBook } from "./message-book.ts";

/** `message to bob`, `edit of ^12`, `deletion of ^12`, `reaction to ^12`, `timer for #team`: what a refusal was about. */
export function describeRequest(request: NewRequest, label: Label): string {
  switch (request.type) {
    case "send":
      return `message to ${request.to}`;
    case "edit":
      return `edit of ${label(request.target)}`;
    case "delete":
      return `deletion of ${label(request.target)}`;
    case "react":
      return `reaction to ${label(request.target)}`;
    case "timer":
      return `timer for ${request.to}`;
  }
}

/** The line for a request the server refused: `Message to bob not sent: There is no user named 'bob'.` */
export function refusalLine(request: NewRequest, label: Label, reason: string): string {
  const what = describeRequest(request, label);
  return `${what[0]?.toUpperCase()}${what.slice(1)} not sent: ${reason}`;
}

/**
 * The conversation of a stored request, as output names it: its `to`; for an action sent without
 * one, the conversation of its target as this run knows it, else the name the connection knows.
 */
export function storedConversation({ entry, conv }: StoredMessage, book: MessageBook, connection: Pick<ChatConnection, "titleOf">): string {
  const known = "target" in entry ? book.conversationOf(entry.target) : undefined;
  return entry.to ?? known ?? connection.titleOf(conv) ?? `conv:${conv}`;
}

/**
 * The event one of this device's actions became once stored. The server sends it to the user's
 * other devices, not back to this one, whose answer is `sent`; this device shows it from its own copy.
 * Messages are not rebuilt here: the client already shows them from the moment they are typed.
 */
export function ownEvent({ entry, conv, seq, ts }: StoredMessage, me: string, to: string): StreamEvent | undefined {
  const fields = { conv, seq, id: entry.id, from: me, to, ts };
  switch (entry.type) {
    case "send":
      return undefined;
    case "edit":
      return { type: "edit", ...fields, target: entry.target, text: entry.text };
    case "delete":
      return { type: "delete", ...fields, target: entry.target };
    case "react":
      return { type: "reaction", ...fields, target: entry.target, emoji: entry.emoji };
    case "timer":
      return { type: "notice", ...fields, change: "timer", seconds: entry.seconds };
  }
}
