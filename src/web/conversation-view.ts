import { batch, signal } from "@preact/signals";
import type { z } from "zod";
import type { AttachmentInfo, HistoryEntry, HistoryMessage, MessageStatus, NoticeFrame, PresenceFrame, StreamEvent } from "../protocol/index.ts";
import { isGroupAddress } from "../protocol/names.ts";
import type { OutboxEntry } from "../client/sdk/device-state.ts";
import type { ChatApp } from "./model.ts";

/** One conversation as the page shows it: its items (messages and notices), loaded page by page, and their ticks. */

export type Presence = z.infer<typeof PresenceFrame>;

/** A message as the page shows it: from history or live events, or one of ours still in the outbox (`pending`). */
export interface ShownMessage {
  kind: "message";
  key: string;
  id: string;
  conv: number;
  /** 0 while it waits in the outbox. */
  seq: number;
  from: string;
  to: string;
  ts: number;
  text: string;
  edited: boolean;
  deleted: boolean;
  replyTo?: { id: string; from: string; text: string; deleted?: boolean };
  /** A file it carries; then `text` is its caption. */
  attachment?: AttachmentInfo;
  /** Who reacted with what (one emoji per person). */
  reactions: Record<string, string>;
  /** The recipient's view for our own messages, from history; later receipts raise it. */
  status: MessageStatus | "pending";
}

export interface ShownNotice {
  kind: "notice";
  key: string;
  seq: number;
  ts: number;
  notice: NoticeFrame;
}

export type Item = ShownMessage | ShownNotice;

export interface ChatSummary {
  with: string;
  conv: number | undefined;
  kind: "direct" | "group";
  unread: number;
  /** Highest seq this page knows of in the conversation. */
  knownSeq: number;
  last: Item | undefined;
}

const HISTORY_PAGE = 50;

export function peerOf(event: { from: string; to: string }, me: string): string {
  if (isGroupAddress(event.to)) return event.to;
  return event.from === me ? event.to : event.from;
}

export function fromHistory(entry: HistoryEntry): Item {
  if (entry.type === "notice") return { kind: "notice", key: `s${entry.seq}`, seq: entry.seq, ts: entry.ts, notice: entry };
  return messageItem(entry, entry.status);
}

export function messageItem(entry: Omit<HistoryMessage, "status" | "type"> & { reactions?: HistoryMessage["reactions"] }, status: ShownMessage["status"]): ShownMessage {
  const reactions: Record<string, string> = {};
  for (const reaction of entry.reactions ?? []) for (const user of reaction.by) reactions[user] = reaction.emoji;
  return {
    kind: "message",
    key: entry.seq > 0 ? `s${entry.seq}` : `p${entry.id}`,
    id: entry.id,
    conv: entry.conv,
    seq: entry.seq,
    from: entry.from,
    to: entry.to,
    ts: entry.ts,
    text: entry.text,
    edited: entry.edited ?? false,
    deleted: entry.deleted ?? false,
    ...(entry.replyTo ? { replyTo: entry.replyTo } : {}),
    ...(entry.attachment ? { attachment: entry.attachment } : {}),
    reactions,
    status,
  };
}

/** One open conversation: the loaded window of its timeline (oldest first), and the peer's marks. */
export class ConversationView {
  readonly items = signal<Item[]>([]);
  readonly hasOlder = signal(true);
  readonly loading = signal(false);
  /** Unread messages when the conversation was opened: the "unread messages" line goes before the first of them. */
  readonly unreadAtOpen: number;
  /** The other side's marks (the group's lowest in a group): our messages up to them are ✓✓ / read. */
  readonly peerDelivered = signal(0);
  readonly peerRead = signal(0);
  /** Set when a search jumped here: the item to scroll to and highlight. */
  readonly focusSeq = signal<number | undefined>(undefined);
  /** Newer messages exist beyond the loaded window (after a jump to an older message). */
  readonly hasNewer = signal(false);

  constructor(
    readonly app: ChatApp,
    readonly peer: string,
    public conv: number | undefined,
    unread: number,
  ) {
    this.unreadAtOpen = unread;
  }

  get isGroup(): boolean {
    return isGroupAddress(this.peer);
  }

  /** Loads the newest page, or the page ending just after `aroundSeq` (a search hit). */
  async loadLatest(aroundSeq?: number): Promise<void> {
    this.loading.value = true;
    try {
      const page = await this.app.api.history("", { with: this.peer, limit: HISTORY_PAGE, ...(aroundSeq ? { before: aroundSeq + HISTORY_PAGE / 2 } : {}) });
      const items = page.messages.map(fromHistory).reverse();
      batch(() => {
        this.absorbMarks(page.messages);
        // Events that arrived while the page was on its way (our own sends included) stay.
        const newest = items.at(-1)?.seq ?? 0;
        const live = aroundSeq ? [] : this.items.value.filter((item) => item.seq > newest);
        this.items.value = [...items, ...live, ...(aroundSeq ? [] : this.pendingItems())];
        this.hasOlder.value = page.next !== null;
        this.hasNewer.value = aroundSeq !== undefined && (this.app.summaryOf(this.peer)?.knownSeq ?? 0) > (items.at(-1)?.seq ?? 0);
        this.focusSeq.value = aroundSeq;
        if (items[0]) this.conv = items[0].kind === "message" ? items[0].conv : items[0].notice.conv;
      });
    } catch (error) {
      // A chat with someone we have never written to has no conversation yet.
      this.hasOlder.value = false;
      const code = (error as { code?: string }).code;
      if (code === "unknown_user") {
        this.app.notify((error as Error).message);
        this.app.forget(this.peer);
      } else if (code !== "not_member") {
        this.app.notify(String((error as Error).message ?? error));
      }
    } finally {
      this.loading.value = false;
    }
  }

  /** Loads the page before the oldest loaded item (scrolling up). */
  async loadOlder(): Promise<void> {
    if (this.loading.value || !this.hasOlder.value) return;
    const oldest = this.items.value.find((item) => item.seq > 0);
    if (!oldest) return;
    this.loading.value = true;
    try {
      const page = await this.app.api.history("", { with: this.peer, before: oldest.seq, limit: HISTORY_PAGE });
      const older = page.messages.map(fromHistory).reverse();
      batch(() => {
        this.absorbMarks(page.messages);
        this.items.value = [...older, ...this.items.value];
        this.hasOlder.value = page.next !== null;
      });
    } finally {
      this.loading.value = false;
    }
  }

  /** Loads the page after the newest loaded item (scrolling down after a jump). */
  async loadNewer(): Promise<void> {
    if (this.loading.value || !this.hasNewer.value) return;
    const loaded = this.items.value.filter((item) => item.seq > 0);
    const newest = loaded.at(-1)?.seq ?? 0;
    this.loading.value = true;
    try {
      const page = await this.app.api.history("", { with: this.peer, before: newest + HISTORY_PAGE + 1, limit: HISTORY_PAGE });
      const newer = page.messages.map(fromHistory).reverse().filter((item) => item.seq > newest);
      const known = this.app.summaryOf(this.peer)?.knownSeq ?? 0;
      batch(() => {
        this.absorbMarks(page.messages);
        const reachedEnd = newest + HISTORY_PAGE >= known;
        this.items.value = [...this.items.value, ...newer, ...(reachedEnd ? this.pendingItems() : [])];
        this.hasNewer.value = !reachedEnd;
      });
    } finally {
      this.loading.value = false;
    }
  }

  private absorbMarks(entries: HistoryEntry[]): void {
    for (const entry of entries) {
      if (entry.type !== "message" || entry.from !== this.app.me.value?.user) continue;
      if (entry.status === "read") this.peerRead.value = Math.max(this.peerRead.value, entry.seq);
      if (entry.status !== "sent") this.peerDelivered.value = Math.max(this.peerDelivered.value, entry.seq);
    }
  }

  private pendingItems(): ShownMessage[] {
    const me = this.app.me.value?.user ?? "";
    return this.app.outbox.value
      .filter((entry) => entry.type === "send" && entry.to === this.peer)
      .map((entry) => pendingItem(entry as Extract<OutboxEntry, { type: "send" }>, me, this.app.sentFiles));
  }

  /** A live event of this conversation. */
  apply(event: StreamEvent): void {
    if (this.hasNewer.value) return; // beyond the loaded window: seen when scrolling down
    const items = this.items.value;
    if (items.some((item) => item.seq === event.seq && item.seq > 0)) return;
    this.conv = event.conv;
    switch (event.type) {
      case "message":
        if (event.hidden) return;
        return this.append(messageItem(event, event.from === this.app.me.value?.user ? "sent" : "delivered"));
      case "notice":
        return this.append({ kind: "notice", key: `s${event.seq}`, seq: event.seq, ts: event.ts, notice: event });
      case "edit":
        return this.update(event.target, (message) => ({ ...message, text: event.text, edited: true }));
      case "delete":
        return this.update(event.target, (message) => ({ ...message, text: "", deleted: true, reactions: {}, attachment: undefined }));
      case "reaction":
        return this.update(event.target, (message) => {
          const reactions = { ...message.reactions };
          if (event.emoji === null) delete reactions[event.from];
          else reactions[event.from] = event.emoji;
          return { ...message, reactions };
        });
    }
  }

  /** Our message, stored by the server: the pending bubble becomes a sent one. */
  stored(entry: OutboxEntry, conv: number, seq: number, ts: number): void {
    this.conv = conv;
    const me = this.app.me.value?.user ?? "";
    if (entry.type === "send") {
      const item = { ...pendingItem(entry, me, this.app.sentFiles), key: `s${seq}`, seq, ts, conv, status: "sent" as const };
      const without = this.items.value.filter((candidate) => candidate.key !== `p${entry.id}`);
      if (this.hasNewer.value) return void (this.items.value = without);
      this.items.value = [...without.filter((candidate) => candidate.kind !== "message" || candidate.seq > 0), item, ...without.filter((candidate) => candidate.kind === "message" && candidate.seq === 0)];
      return;
    }
    const from = me;
    if (entry.type === "edit") this.update(entry.target, (message) => ({ ...message, text: entry.text, edited: true }));
    if (entry.type === "delete") this.update(entry.target, (message) => ({ ...message, text: "", deleted: true, reactions: {}, attachment: undefined }));
    if (entry.type === "react")
      this.update(entry.target, (message) => {
        const reactions = { ...message.reactions };
        if (entry.emoji === null) delete reactions[from];
        else reactions[from] = entry.emoji;
        return { ...message, reactions };
      });
  }

  addPending(entry: Extract<OutboxEntry, { type: "send" }>): void {
    if (this.hasNewer.value) return;
    this.items.value = [...this.items.value, pendingItem(entry, this.app.me.value?.user ?? "", this.app.sentFiles)];
  }

  removePending(id: string): void {
    this.items.value = this.items.value.filter((item) => item.key !== `p${id}`);
  }

  hide(id: string): void {
    this.items.value = this.items.value.filter((item) => item.kind !== "message" || item.id !== id);
  }

  private append(item: Item): void {
    const items = this.items.value;
    const firstPending = items.findIndex((candidate) => candidate.seq === 0);
    this.items.value = firstPending < 0 ? [...items, item] : [...items.slice(0, firstPending), item, ...items.slice(firstPending)];
  }

  private update(id: string, change: (message: ShownMessage) => ShownMessage): void {
    this.items.value = this.items.value.map((item) => (item.kind === "message" && item.id === id ? change(item) : item));
  }

  /** The tick of one of our messages now. */
  statusOf(message: ShownMessage): ShownMessage["status"] {
    if (message.status === "pending") return "pending";
    const marks = this.conv === undefined ? undefined : this.app.peerMarks.value.get(this.conv);
    if (message.seq <= Math.max(this.peerRead.value, marks?.read ?? 0) || message.status === "read") return "read";
    if (message.seq <= Math.max(this.peerDelivered.value, marks?.delivered ?? 0) || message.status === "delivered") return "delivered";
    return "sent";
  }
}

/** One of our messages still in the outbox; a file it carries is known by its id, `files` has what this page uploaded. */
export function pendingItem(entry: Extract<OutboxEntry, { type: "send" }>, me: string, files: ReadonlyMap<string, AttachmentInfo>): ShownMessage {
  const attachment = entry.attachment === undefined ? undefined : files.get(entry.attachment);
  return {
    kind: "message",
    key: `p${entry.id}`,
    id: entry.id,
    conv: 0,
    seq: 0,
    from: me,
    to: entry.to,
    ts: entry.createdAt,
    text: entry.text,
    edited: false,
    deleted: false,
    ...(attachment ? { attachment } : {}),
    reactions: {},
    status: "pending",
  };
}
