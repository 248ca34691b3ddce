import type { AttachmentInfo, DeleteFrame, EditFrame, HistoryMessage, MessageFrame, Quote, ReactionFrame } from "../../protocol/index.ts";
import { BoundedMap } from "./bounded-map.ts";
import { messageLine, shorten, speaker, type Style, type Tick, tickMark, timed } from "./format.ts";

/** A message as the interactive client shows it now: its latest text, whether it was edited or deleted, and reactions. */
export interface MessageView {
  id: string;
  from: string;
  to: string;
  ts: number;
  text: string;
  /** A file it carries; then `text` is its caption. */
  attachment?: AttachmentInfo;
  /** The message it answers: the quote the server sent, or the id alone when this client knows nothing more. */
  replyTo?: Quote | { id: string };
  edited?: boolean;
  deleted?: boolean;
  /** Each person's reaction, in the order they first reacted. */
  reactions: Map<string, string>;
}

/** What changes a message after it was sent: an edit, a delete for everyone, a reaction (null emoji: taken back). */
export type Change = Pick<EditFrame, "type" | "target" | "text"> | Pick<DeleteFrame, "type" | "target"> | Pick<ReactionFrame, "type" | "target" | "from" | "emoji">;

export function viewOfMessage(frame: MessageFrame | HistoryMessage): MessageView {
  const reactions = new Map<string, string>();
  for (const { emoji, by } of "reactions" in frame ? (frame.reactions ?? []) : []) for (const person of by) reactions.set(person, emoji);
  const view: MessageView = { id: frame.id, from: frame.from, to: frame.to, ts: frame.ts, text: frame.text, reactions };
  if (frame.replyTo) view.replyTo = frame.replyTo;
  if (frame.attachment) view.attachment = frame.attachment;
  if (frame.edited) view.edited = true;
  if (frame.deleted) view.deleted = true;
  return view;
}

export function applyChange(view: MessageView, change: Change): void {
  if (change.type === "edit") Object.assign(view, { text: change.text, edited: true });
  if (change.type === "delete") Object.assign(view, { text: "", deleted: true, attachment: undefined });
  if (change.type === "reaction") {
    if (change.emoji === null) view.reactions.delete(change.from);
    else view.reactions.set(change.from, change.emoji);
  }
}

/** The messages of this session that may still be shown again after a change; the oldest are let go. */
export class MessageViews {
  private readonly views = new BoundedMap<string, MessageView>(1_000);

  add(view: MessageView): MessageView {
    this.views.set(view.id, view);
    return view;
  }

  get(id: string): MessageView | undefined {
    return this.views.get(id);
  }

  forget(id: string): void {
    this.views.delete(id);
  }

  /** Applies a change to the message it targets; the view, or undefined when that message is not known here. */
  apply(change: Change): MessageView | undefined {
    const view = this.views.get(change.target);
    if (view) applyChange(view, change);
    return view;
  }
}

/** `👍 2  ❤️ 1`: each emoji with how many chose it, most chosen first (ties: first chosen first). */
export function reactionSummary(reactions: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const emoji of reactions) counts.set(emoji, (counts.get(emoji) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([emoji, count]) => `${emoji} ${count}`)
    .join("  ");
}

export interface ViewExtras {
  /** The tick of the user's own message. */
  tick?: Tick;
  /** The message's short reference, `^12`. */
  ref?: string;
  /** How to name the message a reply answers when its quote is not known. */
  label?: (id: string) => string;
  /** The time without the date: a day separator above says the day. */
  clockOnly?: boolean;
}

/**
 * The lines of a message: the quoted line of a reply (`  ┌ alice: Hello Bob…`), then
 * `[HH:MM] [bob]: text (edited) ✓✓  👍 2  ❤️ 1 ^12`, or `message deleted` in place of the text.
 */
export function viewLines(view: MessageView, me: string, style: Style, extras: ViewExtras = {}): { quote?: string; line: string } {
  const body = view.deleted ? `${speaker(view, me, style)}: ${style.dim("message deleted")}` : messageLine(view, me, style);
  const parts = [timed(body, view.ts, style, extras.clockOnly)];
  if (view.edited && !view.deleted) parts.push(style.dim("(edited)"));
  if (extras.tick) parts.push(tickMark(extras.tick, style));
  if (view.reactions.size > 0 && !view.deleted) parts.push(` ${reactionSummary(view.reactions.values())}`);
  if (extras.ref) parts.push(style.dim(extras.ref));
  const line = parts.join(" ");
  return view.replyTo ? { quote: quoteLine(view.replyTo, me, style, extras.label), line } : { line };
}

/** `  ┌ alice: Hello Bob…` above a reply; `  ┌ reply to ^12` when only the id is known. */
export function quoteLine(quote: Quote | { id: string }, me: string, style: Style, label: (id: string) => string = (id) => `^${id}`): string {
  if (!("from" in quote)) return style.dim(`  ┌ reply to ${label(quote.id)}`);
  const who = quote.from === me ? "you" : quote.from;
  return style.dim(`  ┌ ${who}: ${quote.deleted ? "message deleted" : shorten(quote.text)}`);
}
