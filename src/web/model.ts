import { batch, computed, signal } from "@preact/signals";
import type { AttachmentInfo, HistoryEntry, HistoryMessage, MessageStatus, NoticeFrame, PresenceFrame, StreamEvent } from "../protocol/index.ts";
import { isGroupAddress } from "../protocol/names.ts";
import type { z } from "zod";
import { ChatApi } from "../client/sdk/api.ts";
import { ChatConnection, type ConnectionStatus } from "../client/sdk/connection.ts";
import type { OutboxEntry } from "../client/sdk/device-state.ts";
import { openBrowserDeviceState, type IndexedDbStorage } from "../client/sdk/indexeddb-storage.ts";
import { parseServerAddress, type ServerAddress } from "../client/sdk/address.ts";
import { ContactsModel } from "./contacts-model.ts";

/**
 * The web client's state, as signals the components read: who is logged in, the chat list,
 * the open conversation, presence, typing and the connection. It is fed by the shared SDK's
 * ChatConnection (the same protocol as the terminal client) and by the HTTP API.
 */

import {
  type ChatSummary,
  ConversationView,
  fromHistory,
  type Item,
  messageItem,
  peerOf,
  pendingItem,
  type Presence,
} from "./conversation-view.ts";

const TYPING_SHOWN_MS = 6_000;
const TYPING_SENT_EVERY_MS = 3_000;

export interface Me {
  user: string;
  device: { id: number; name: string };
}

export type Banner = { kind: "offline"; text: string } | { kind: "online"; text: string };

/** The whole page's state. */
export class ChatApp {
  readonly server: ServerAddress;
  readonly api: ChatApi;
  readonly me = signal<Me | undefined>(undefined);
  /** Undefined until we know whether a session cookie is there. */
  readonly checked = signal(false);
  readonly status = signal<ConnectionStatus | undefined>(undefined);
  readonly banner = signal<Banner | undefined>(undefined);
  readonly summaries = signal<Map<string, ChatSummary>>(new Map());
  readonly chats = computed(() =>
    [...this.summaries.value.values()].sort((a, b) => (b.last?.ts ?? 0) - (a.last?.ts ?? 0) || a.with.localeCompare(b.with)),
  );
  readonly unreadTotal = computed(() => [...this.summaries.value.values()].reduce((total, chat) => total + chat.unread, 0));
  readonly open = signal<ConversationView | undefined>(undefined);
  readonly presence = signal<Map<string, Presence>>(new Map());
  /** Who is typing where: key `peer` (a user, or `#group`), value who and until when. */
  readonly typing = signal<Map<string, { from: string; until: number }>>(new Map());
  readonly outbox = signal<OutboxEntry[]>([]);
  readonly toast = signal<string | undefined>(undefined);
  /** The files this page uploaded and sent, by attachment id: its own messages show them before the server echoes them. */
  readonly sentFiles = new Map<string, AttachmentInfo>();
  /** The other side's marks per conversation (a group's lowest), from receipts: our messages up to them are ✓✓ / read. */
  readonly peerMarks = signal<Map<number, { delivered: number; read: number }>>(new Map());
  /** The list finished loading after login: the chat list is usable. */
  readonly listReady = signal(false);
  /** Another tab of this browser has the connection (see `claim`). */
  readonly elsewhere = signal(false);
  readonly contacts: ContactsModel;
  private lockName = "";
  connection: ChatConnection | undefined;
  private storage: IndexedDbStorage | undefined;
  private lastTypingSent = new Map<string, number>();
  private typingTimer: ReturnType<typeof setInterval> | undefined;
  private bannerTimer: ReturnType<typeof setTimeout> | undefined;
  private onNetwork = () => this.connection?.reconnectNow(navigator.onLine ? "the network is back" : "the network is gone");

  constructor(origin: string = location.origin) {
    this.server = parseServerAddress(origin);
    this.api = new ChatApi(this.server);
    this.contacts = new ContactsModel(this.api, (text) => this.notify(text));
  }

  summaryOf(peer: string): ChatSummary | undefined {
    return this.summaries.value.get(peer);
  }

  notify(text: string): void {
    this.toast.value = text;
  }

  /** On load: a session cookie from an earlier visit logs straight in. */
  async resume(): Promise<void> {
    try {
      await this.start(await this.api.session(""));
    } catch {
      // no session: the login form
    } finally {
      this.checked.value = true;
    }
  }

  /** `invite`: the code a server with `--registration invite` asks for when registering. */
  async login(name: string, password: string, register: boolean, invite?: string): Promise<void> {
    const device = browserDeviceName();
    const credentials = { name, password, device, ...(register && invite ? { invite } : {}) };
    await this.start(register ? await this.api.browserRegister(credentials) : await this.api.browserLogin(credentials));
  }

  async logout(): Promise<void> {
    try {
      await this.api.logout("");
    } finally {
      await this.leave();
    }
  }

  /** Deletes the account for good (the server checks the password), then leaves as a logout does. */
  async deleteAccount(password: string): Promise<void> {
    await this.api.deleteAccount("", password);
    await this.leave();
  }

  /** Forgets this browser's copy of the account and goes back to the login form. */
  private async leave(): Promise<void> {
    await this.storage?.clear().catch(() => undefined);
    this.stop();
    location.reload();
  }

  private stop(): void {
    void this.connection?.stop();
    this.connection = undefined;
    window.removeEventListener("online", this.onNetwork);
    window.removeEventListener("offline", this.onNetwork);
    if (this.typingTimer) clearInterval(this.typingTimer);
  }

  private async start(me: Me): Promise<void> {
    const key = `${this.server.key}.${me.user}`;
    const { state, storage } = await openBrowserDeviceState(this.server.http, key, me.user);
    this.storage = storage;
    const { conversations } = await this.api.conversations("");
    // A new device starts where the server's history stands: the page reads history over HTTP,
    // so replaying every past event over the socket would only repeat it.
    if (Object.keys(state.data.cursors).length === 0) {
      for (const summary of conversations) if (summary.last) state.data.cursors[String(summary.conv)] = summary.last.seq;
      await state.save();
    }
    batch(() => {
      this.me.value = me;
      this.summaries.value = new Map(
        conversations.map((summary) => [
          summary.with,
          { with: summary.with, conv: summary.conv, kind: summary.kind, unread: summary.unread, knownSeq: summary.last?.seq ?? 0, last: summary.last ? fromHistory(summary.last) : undefined },
        ]),
      );
      this.outbox.value = [...state.data.outbox];
      this.listReady.value = true;
    });
    for (const entry of state.data.outbox) if (entry.to !== undefined) this.touch(entry.to, undefined);
    this.contacts.load().catch(() => undefined); // without the list, nobody is shown as a stranger
    this.lockName = `chat-connection.${key}`;
    window.addEventListener("online", this.onNetwork);
    window.addEventListener("offline", this.onNetwork);
    this.typingTimer = setInterval(() => this.expireTyping(), 1000);
    this.claim(false);
  }

  /**
   * One tab of a browser is one device with one connection: two sockets of one device would
   * replace each other in turn. A Web Lock decides which tab connects; another tab says so, and
   * takes over when that one closes, or at once with "Use here" (`steal`).
   */
  claim(steal: boolean): void {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) return void this.connect();
    const hold = async () => {
      this.elsewhere.value = false;
      await this.connect();
      await new Promise<void>(() => undefined); // held while the page lives, unless another tab takes it
    };
    const lost = () => void this.disconnect().then(() => this.claimWhenFree(locks, hold));
    if (steal) {
      locks.request(this.lockName, { steal: true }, hold).catch(lost);
      return;
    }
    locks
      .request(this.lockName, { ifAvailable: true }, async (lock) => {
        if (lock) return hold();
        this.elsewhere.value = true;
        this.claimWhenFree(locks, hold);
      })
      .catch(lost);
  }

  private claimWhenFree(locks: LockManager, hold: () => Promise<void>): void {
    this.elsewhere.value = true;
    locks.request(this.lockName, hold).catch(() => void this.disconnect().then(() => this.claimWhenFree(locks, hold)));
  }

  private async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.elsewhere.value = true;
    await connection?.stop();
  }

  /** Connects with the device state as IndexedDB has it now (another tab may have moved it on). */
  private async connect(): Promise<void> {
    const me = this.me.value!;
    const { state } = await openBrowserDeviceState(this.server.http, `${this.server.key}.${me.user}`, me.user);
    this.outbox.value = [...state.data.outbox];
    const connection = new ChatConnection({
      server: this.server,
      state,
      openSocket: (url) => new WebSocket(url),
    });
    this.connection = connection;
    connection.on("status", (status) => this.onStatus(status));
    connection.on("event", (event) => this.onEvent(event));
    connection.on("stored", ({ entry, conv, seq, ts }) => {
      this.syncOutbox();
      const peer = entry.to ?? this.peerOfConv(conv);
      if (!peer) return;
      this.viewOf(peer)?.stored(entry, conv, seq, ts);
      if (entry.type === "send") {
        const me = this.me.value!.user;
        this.touch(peer, { ...pendingItem(entry, me, this.sentFiles), key: `s${seq}`, seq, conv, ts, status: "sent" }, conv);
      }
    });
    connection.on("rejected", ({ entry, code, message }) => {
      this.syncOutbox();
      if (entry.to) this.viewOf(entry.to)?.removePending(entry.id);
      if (entry.to && code === "unknown_user") this.forget(entry.to);
      this.notify(`Not sent: ${message}`);
    });
    connection.on("receipt", (frame) => {
      const peer = this.peerOfConv(frame.conv);
      if (frame.by === me.user) {
        // Our own read mark, from another device of ours.
        if (peer && frame.read !== undefined) this.markedRead(peer, frame.read);
        return;
      }
      // Kept for every conversation, open or not: a view opened later shows the ticks they give.
      const before = this.peerMarks.value.get(frame.conv) ?? { delivered: 0, read: 0 };
      const marks = new Map(this.peerMarks.value);
      marks.set(frame.conv, { delivered: Math.max(before.delivered, frame.delivered ?? 0), read: Math.max(before.read, frame.read ?? 0) });
      this.peerMarks.value = marks;
    });
    connection.on("typing", (frame) => {
      const peer = isGroupAddress(frame.to) ? frame.to : frame.from;
      const typing = new Map(this.typing.value);
      typing.set(peer, { from: frame.from, until: Date.now() + TYPING_SHOWN_MS });
      this.typing.value = typing;
    });
    connection.on("presence", (frame) => {
      const presence = new Map(this.presence.value);
      presence.set(frame.user, frame);
      this.presence.value = presence;
    });
    connection.on("contact", (frame) => this.contacts.changed(frame.user, frame.state));
    connection.on("groupInvite", (frame) => this.contacts.invited({ group: frame.group, from: frame.from, at: frame.at }));
    connection.on("hidden", (frame) => {
      const peer = this.peerOfConv(frame.conv);
      if (peer) this.viewOf(peer)?.hide(frame.target);
    });
    connection.start();
  }

  private expireTyping(): void {
    const now = Date.now();
    const entries = [...this.typing.value].filter(([, typing]) => typing.until > now);
    if (entries.length !== this.typing.value.size) this.typing.value = new Map(entries);
  }

  private onStatus(status: ConnectionStatus): void {
    const before = this.status.value;
    this.status.value = status;
    if (this.bannerTimer) clearTimeout(this.bannerTimer);
    if (status.state === "offline" && status.wasReady) {
      this.banner.value = { kind: "offline", text: `Connection lost: ${status.reason}. Reconnecting…` };
    } else if (status.state === "ready" && this.banner.value?.kind === "offline") {
      this.banner.value = { kind: "online", text: "Connected again." };
      this.bannerTimer = setTimeout(() => (this.banner.value = undefined), 4000);
    } else if (status.state === "stopped" && status.reason !== "closed") {
      this.banner.value = { kind: "offline", text: "This device was logged out." };
      setTimeout(() => location.reload(), 1500);
    } else if (status.state === "connecting" && before?.state === "offline" && this.banner.value?.kind === "offline") {
      // keep the offline banner until ready
    }
  }

  private peerOfConv(conv: number): string | undefined {
    for (const summary of this.summaries.value.values()) if (summary.conv === conv) return summary.with;
    return this.connection?.titleOf(conv);
  }

  private viewOf(peer: string): ConversationView | undefined {
    const view = this.open.value;
    return view && view.peer === peer ? view : undefined;
  }

  private onEvent(event: StreamEvent): void {
    const me = this.me.value!.user;
    const peer = event.type === "notice" && event.user === me && (event.change === "removed" || event.change === "left") ? event.to : peerOf(event, me);
    const view = this.viewOf(peer);
    view?.apply(event);
    if (event.type === "message" && this.typing.value.get(peer)?.from === event.from) {
      // Their message is what they were typing.
      const typing = new Map(this.typing.value);
      typing.delete(peer);
      this.typing.value = typing;
    }
    if (event.type === "message" && event.hidden) return;
    if (event.type === "message" || event.type === "notice") {
      const item: Item =
        event.type === "message"
          ? messageItem(event, event.from === me ? "sent" : "delivered")
          : { kind: "notice", key: `s${event.seq}`, seq: event.seq, ts: event.ts, notice: event };
      const counts = event.type === "message" && event.from !== me && !event.deleted;
      this.touch(peer, item, event.conv, counts);
      if (counts && document.visibilityState === "hidden") this.desktopNotification(peer, event.from, event.attachment ? `📎 ${event.attachment.name} ${event.text}`.trim() : event.text);
    } else if (event.type === "delete" || event.type === "edit") {
      const summary = this.summaryOf(peer);
      if (summary?.last?.kind === "message" && summary.last.id === event.target) {
        const last = event.type === "delete" ? { ...summary.last, text: "", deleted: true } : { ...summary.last, text: event.text, edited: true };
        this.putSummary({ ...summary, last });
      }
    }
  }

  /** A conversation had activity: it moves to the top of the list (and counts as unread when `counts`). */
  touch(peer: string, item: Item | undefined, conv?: number, counts = false): void {
    const summary = this.summaryOf(peer) ?? { with: peer, conv, kind: isGroupAddress(peer) ? "group" : "direct", unread: 0, knownSeq: 0, last: undefined };
    if (item && item.seq > 0 && item.seq <= summary.knownSeq) return; // already in the list's figures
    const updated: ChatSummary = { ...summary, conv: summary.conv ?? conv };
    if (item) {
      updated.last = item;
      if (item.seq > 0) updated.knownSeq = item.seq;
    } else if (!summary.last) {
      updated.last = undefined;
    }
    if (counts) updated.unread += 1;
    this.putSummary(updated);
  }

  /** Drops a chat that never existed (a name nobody has), and closes it if it is open. */
  forget(peer: string): void {
    const summary = this.summaryOf(peer);
    if (summary && summary.conv !== undefined) return;
    const summaries = new Map(this.summaries.value);
    summaries.delete(peer);
    this.summaries.value = summaries;
    if (this.open.value?.peer === peer) this.open.value = undefined;
  }

  private putSummary(summary: ChatSummary): void {
    const summaries = new Map(this.summaries.value);
    summaries.set(summary.with, summary);
    this.summaries.value = summaries;
  }

  /** Our read mark in `peer` moved to `seq` (here or on another device). */
  private markedRead(peer: string, seq: number): void {
    const summary = this.summaryOf(peer);
    if (!summary || summary.unread === 0) return;
    const view = this.viewOf(peer);
    const me = this.me.value?.user;
    const unread = view
      ? view.items.value.filter((item) => item.kind === "message" && item.seq > seq && item.from !== me && !item.deleted).length
      : seq >= summary.knownSeq
        ? 0
        : summary.unread;
    if (unread !== summary.unread) this.putSummary({ ...summary, unread });
  }

  /** Messages up to `seq` are on screen in a visible, focused page: tell the sender. */
  read(view: ConversationView, seq: number): void {
    if (view.conv === undefined || seq <= 0) return;
    this.connection?.markRead(view.conv, seq);
    this.markedRead(view.peer, seq);
  }

  openChat(peer: string, aroundSeq?: number): ConversationView {
    const summary = this.summaryOf(peer);
    const view = new ConversationView(this, peer, summary?.conv, aroundSeq !== undefined ? 0 : (summary?.unread ?? 0));
    this.open.value = view;
    void view.loadLatest(aroundSeq);
    return view;
  }

  closeChat(): void {
    this.open.value = undefined;
  }

  send(peer: string, text: string, replyTo?: string): void {
    this.queue(peer, (connection) => connection.send(peer, text, replyTo));
  }

  /** Sends a file this page uploaded, `caption` its text. */
  sendFile(peer: string, attachment: AttachmentInfo, caption: string): void {
    this.sentFiles.set(attachment.id, attachment);
    this.queue(peer, (connection) => connection.sendFile(peer, attachment.id, caption));
  }

  private queue(peer: string, add: (connection: ChatConnection) => Extract<OutboxEntry, { type: "send" }>): void {
    const connection = this.connection;
    if (!connection) return this.notify("This chat is open in another tab: press “Use here” to send from this one.");
    const entry = add(connection);
    this.syncOutbox();
    const view = this.viewOf(peer);
    if (view) {
      if (view.hasNewer.value) void view.loadLatest();
      else view.addPending(entry);
    }
    this.touch(peer, pendingItem(entry, this.me.value!.user, this.sentFiles));
    this.lastTypingSent.delete(peer);
    askForNotificationsOnce();
  }

  act(request: Parameters<ChatConnection["act"]>[0]): void {
    try {
      this.connection?.act(request);
      this.syncOutbox();
    } catch (error) {
      this.notify((error as Error).message);
    }
  }

  /** The user is composing to `peer`: tell them now and then. */
  composing(peer: string): void {
    const now = Date.now();
    if ((this.lastTypingSent.get(peer) ?? 0) + TYPING_SENT_EVERY_MS > now) return;
    this.lastTypingSent.set(peer, now);
    this.connection?.typing(peer);
  }

  private syncOutbox(): void {
    this.outbox.value = [...(this.connection?.outbox ?? [])];
  }

  private desktopNotification(peer: string, from: string, text: string): void {
    if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
    const title = isGroupAddress(peer) ? `${from} in ${peer}` : from;
    const notification = new Notification(title, { body: text.slice(0, 200), tag: peer });
    notification.onclick = () => {
      window.focus();
      this.openChat(peer);
    };
  }
}

const ASKED_KEY = "chat.notifications-asked";

/** Asks once (on the first message sent, a moment the person is using the page) whether to show desktop notifications. */
function askForNotificationsOnce(): void {
  if (typeof Notification === "undefined" || Notification.permission !== "default") return;
  if (localStorage.getItem(ASKED_KEY)) return;
  localStorage.setItem(ASKED_KEY, "1");
  void Notification.requestPermission();
}

function browserDeviceName(): string {
  const agent = navigator.userAgent;
  const browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" : /Chrome\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "Browser";
  const system = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" : /Mac OS/.test(agent) ? "macOS" : /Windows/.test(agent) ? "Windows" : /Linux/.test(agent) ? "Linux" : "";
  return system ? `${browser} on ${system}` : browser;
}
