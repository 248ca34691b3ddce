import type { HistoryEntry, MessageFrame, MessageStatus, StreamEvent } from "../protocol/index.ts";
import type { Reaction, StoredEvent } from "../domain/events.ts";
import type { Membership } from "../domain/types.ts";

/** An event as a frame, addressed `to` as its viewer sees the conversation. */
export function eventFrame(event: StoredEvent, to: string): StreamEvent {
  const base = { conv: event.conv, seq: event.seq, id: event.clientId, from: event.sender, to, ts: event.sentAt };
  const body = event.body;
  switch (body.kind) {
    case "message": {
      // Every message goes through here: optional fields are set only when present, without spreads.
      const frame: MessageFrame = { type: "message", ...base, text: event.hidden || event.deleted ? "" : body.text };
      if (event.quote) {
        frame.replyTo = { id: event.quote.id, from: event.quote.from, text: event.quote.text };
        if (event.quote.deleted) frame.replyTo.deleted = true;
      }
      if (body.attachment && !event.hidden && !event.deleted) frame.attachment = body.attachment;
      if (event.editedAt !== null) frame.edited = true;
      if (event.deleted) frame.deleted = true;
      if (event.hidden) frame.hidden = true;
      if (event.expiresAt !== null) frame.expiresAt = event.expiresAt;
      return frame;
    }
    case "edit":
      return { type: "edit", ...base, target: body.target, text: body.text };
    case "delete":
      return { type: "delete", ...base, target: body.target };
    case "reaction":
      return { type: "reaction", ...base, target: body.target, emoji: body.emoji };
    case "notice":
      return { type: "notice", ...base, ...body.notice };
  }
}

/** A message or notice of the history: the message as it stands now, with its tick and reactions. */
export function historyEntry(event: StoredEvent, to: string, status: MessageStatus, reactions: Reaction[]): HistoryEntry {
  const frame = eventFrame(event, to);
  if (frame.type === "notice") return frame;
  if (frame.type !== "message") throw new Error(`history holds messages and notices, not ${frame.type}`);
  const byEmoji = new Map<string, string[]>();
  for (const reaction of reactions) byEmoji.set(reaction.emoji, [...(byEmoji.get(reaction.emoji) ?? []), reaction.user]);
  return {
    ...frame,
    status,
    ...(byEmoji.size > 0 ? { reactions: [...byEmoji].map(([emoji, by]) => ({ emoji, by })) } : {}),
  };
}

/** The conversation as its member names it (in `with=` and search hits): the other user, or the #group. */
export function conversationAddress(membership: Pick<Membership, "kind" | "title">): string {
  return membership.kind === "group" ? `#${membership.title}` : membership.title;
}

/** The `to` of an event as one member sees it: the #group, or the other person of a direct conversation. */
export function addressIn(membership: Pick<Membership, "kind" | "title">, sender: string, viewer: string): string {
  if (membership.kind === "group") return `#${membership.title}`;
  return sender === viewer ? membership.title : viewer;
}
