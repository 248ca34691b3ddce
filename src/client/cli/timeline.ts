import type { AttachmentInfo, HistoryEntry, ReceiptFrame, ServerFrame, StreamEvent } from "../../protocol/index.ts";
import type { StoredMessage } from "../sdk/connection.ts";
import type { MessageEntry, OutboxEntry } from "../sdk/state-file.ts";
import { DaySeparators } from "./day-separators.ts";
import { eventLine } from "./event-lines.ts";
import { shorten, type Style, tickMark, timed } from "./format.ts";
import { conversationOf, type MessageBook } from "./message-book.ts";
import { type MessageView, MessageViews, viewLines, viewOfMessage } from "./message-view.ts";
import { noticeLine } from "./notices.ts";
import type { OwnGroupChanges } from "./own-group-changes.ts";
import { OwnMessages } from "./own-messages.ts";
import { ownEvent, refusalLine } from "./own-requests.ts";
import type { PromptScreen } from "./screen.ts";

/** Earlier messages of one conversation, shown for context: where the person's reading stopped, and how many are unread. */
export interface EarlierMessages {
  /** Oldest first, as in the history. */
  entries: HistoryEntry[];
  /** The person has read the conversation up to this seq. */
  read: number;
  unread: number;
}

/**
 * The conversation on the interactive screen: every message with its short reference (`^12`),
 * the user's own with their ticks, replies under the line they quote, and messages shown again
 * when they are edited, deleted or reacted to (in place while still on screen). A line
 * `— Monday 30 November —` comes before the first message of another day, so lines show the time only.
 */
export class Timeline {
  private readonly own = new OwnMessages();
  private readonly views = new MessageViews();
  private readonly days = new DaySeparators();
  /** Events shown from the history that the connection's replay may bring again. */
  private readonly shownEarlier = new Set<string>();
  private readonly label = (id: string) => this.book.label(id);

  constructor(
    private readonly screen: PromptScreen,
    private readonly me: string,
    private readonly style: Style,
    private readonly book: MessageBook,
    private readonly ownGroupChanges: OwnGroupChanges,
  ) {}

  /** A message typed here (or left in the outbox by an earlier run), shown at once; `entered` is the line it replaces. */
  typed(entry: MessageEntry, entered?: string, attachment?: AttachmentInfo): void {
    this.own.add(entry);
    const view: MessageView = { id: entry.id, from: this.me, to: entry.to, ts: entry.createdAt, text: entry.text, reactions: new Map() };
    if (entry.replyTo) view.replyTo = this.quoteOf(entry.replyTo);
    if (attachment) view.attachment = attachment;
    this.views.add(view);
    const separator = this.days.before(view.ts);
    const { quote, line } = this.lines(view);
    const rows = [...(separator ? [this.style.dim(separator)] : []), ...(quote ? [quote] : []), line];
    rows.forEach((text, index) => {
      const key = index === rows.length - 1 ? entry.id : undefined;
      if (index === 0 && entered !== undefined) this.screen.replaceEnteredLine(entered, text, key);
      else this.screen.print(text, key);
    });
  }

  /**
   * Messages of a conversation from before this session, for context (on start, when opening it):
   * with `— 2 unread —` above the first one the person has not read.
   */
  earlier({ entries, read, unread }: EarlierMessages): void {
    const firstUnread = entries.findIndex((entry) => entry.type === "message" && entry.seq > read && entry.from !== this.me);
    entries.forEach((entry, index) => {
      if (index === firstUnread) this.screen.print(this.style.accent(`— ${unread} unread —`));
      this.shownEarlier.add(entry.id);
      if (entry.type === "notice") return this.screen.print(this.style.dim(noticeLine(entry, this.me)));
      if (entry.from === this.me) {
        const own: MessageEntry = { type: "send", id: entry.id, to: entry.to, text: entry.text, createdAt: entry.ts };
        this.own.restore(own, entry.conv, entry.seq, entry.status);
      }
      this.show(this.views.add(viewOfMessage(entry)));
    });
  }

  event(frame: StreamEvent): void {
    this.book.noteEvent(frame, this.me);
    // Shown from the history a moment ago: the replay brings nothing new about it.
    if ((frame.type === "message" || frame.type === "notice") && this.shownEarlier.delete(frame.id)) return;
    switch (frame.type) {
      case "message":
        if (frame.hidden) return; // the user deleted it for themselves
        this.show(this.views.add(viewOfMessage(frame)));
        return;
      case "notice":
        if (!this.ownGroupChanges.isOwn(frame)) this.screen.print(this.style.dim(noticeLine(frame, this.me)));
        return;
      default:
        return this.change(frame);
    }
  }

  /** One of this device's requests is stored (✓): a message gets its tick, an action takes effect here too. */
  stored(stored: StoredMessage, to: string): void {
    const { entry, conv, seq, ts } = stored;
    if (entry.type !== "send") {
      const own = ownEvent(stored, this.me, to);
      if (own) this.event(own);
      return;
    }
    this.book.note(entry.id, to);
    if (!this.own.stored(entry.id, conv, seq, ts)) return;
    const view = this.views.get(entry.id);
    if (view) this.redraw(Object.assign(view, { ts }), true);
  }

  rejected(entry: OutboxEntry, reason: string): void {
    if (this.own.failed(entry.id)) {
      const view = this.views.get(entry.id);
      if (view) this.redraw(view, false);
    }
    this.screen.print(this.style.error(refusalLine(entry, this.label, reason)));
  }

  /** Raises the ticks of the user's messages; when the raised ones have scrolled away, one short line says so. */
  receipt(receipt: ReceiptFrame): void {
    const raised = this.own.applyReceipt(receipt.conv, receipt.delivered, receipt.read);
    const notShown = raised.filter((message) => {
      const view = this.views.get(message.entry.id);
      return !view || !this.redraw(view, false);
    });
    const newest = notShown.at(-1);
    if (newest) {
      const text = this.views.get(newest.entry.id)?.text ?? newest.entry.text;
      this.screen.print(this.style.dim(`${tickMark(newest.tick, this.style)} ${newest.entry.to}: "${shorten(text)}"`));
    }
  }

  /** The user deleted a message for themselves: it is no longer shown again; on screen it says so. */
  hidden(frame: Extract<ServerFrame, { type: "hidden" }>): void {
    const view = this.views.get(frame.target);
    this.views.forget(frame.target);
    if (view) this.screen.update(view.id, this.style.dim(timed(`deleted for you ${this.book.label(view.id)}`, view.ts, this.style, true)));
  }

  private change(frame: Exclude<StreamEvent, { type: "message" | "notice" }>): void {
    const view = this.views.apply(frame);
    if (view) this.redraw(view, true);
    else this.screen.print(timed(eventLine(frame, this.me, this.label, this.style), frame.ts, this.style));
  }

  private show(view: MessageView): void {
    const separator = this.days.before(view.ts);
    if (separator) this.screen.print(this.style.dim(separator));
    const { quote, line } = this.lines(view);
    if (quote) this.screen.print(quote);
    this.screen.print(line, view.id);
  }

  /** Rewrites a message in place; when it is no longer on screen, `reprint` prints it again below. Whether it is shown. */
  private redraw(view: MessageView, reprint: boolean): boolean {
    if (this.screen.update(view.id, this.lines(view).line)) return true;
    if (!reprint) return false;
    const separator = this.days.before(view.ts);
    if (separator) this.screen.print(this.style.dim(separator));
    this.screen.print(this.lines(view).line, view.id);
    return true;
  }

  private lines(view: MessageView): { quote?: string; line: string } {
    const ref = this.book.refer(view.id, conversationOf(view, this.me));
    return viewLines(view, this.me, this.style, { tick: this.own.get(view.id)?.tick, ref, label: this.label, clockOnly: true });
  }

  /** What a reply typed here quotes: the message as shown, or only its id when it is not. */
  private quoteOf(id: string): MessageView["replyTo"] {
    const view = this.views.get(id);
    return view ? { id, from: view.from, text: view.text, ...(view.deleted && { deleted: true }) } : { id };
  }
}
