import {
  CLOSE_CODES,
  ERROR_CODES,
  type ClientFrame,
  type ErrorCode,
  type ErrorFrame,
  type MessageFrame,
  type ReceiptFrame,
  type StreamEvent,
  isGroupAddress,
  isStreamEvent,
  ServerFrame,
} from "../../protocol/index.ts";
import type { ServerAddress } from "./address.ts";
import { ChatApi } from "./api.ts";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import { Emitter } from "./emitter.ts";
import { ServerUnreachableError } from "./errors.ts";
import { FramePacer } from "./frame-pacer.ts";
import { InOrderDelivery } from "./in-order-delivery.ts";
import { type NewRequest, Outbox } from "./outbox.ts";
import type { MessageEntry, OutboxEntry, StoredDeviceState } from "./device-state.ts";
import type { TlsTrust } from "./tls-trust.ts";
import { WatermarkBatcher } from "./watermark-batcher.ts";

export type StopReason = "closed" | "revoked" | "unauthorized";

export type ConnectionStatus =
  | { state: "connecting"; attempt: number }
  | { state: "ready"; user: string; device: number }
  | { state: "offline"; attempt: number; retryInMs: number; reason: string; wasReady: boolean }
  | { state: "stopped"; reason: StopReason };

export interface StoredMessage {
  entry: OutboxEntry;
  conv: number;
  seq: number;
  ts: number;
}

export interface RejectedMessage {
  entry: OutboxEntry;
  code: ErrorCode;
  message: string;
}

type ServerFrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

export interface ConnectionEvents extends Record<string, unknown> {
  status: ConnectionStatus;
  /** Every event of a conversation for this device (messages, edits, deletes, reactions, notices), each exactly once, in sequence order per conversation. */
  event: StreamEvent;
  /** The messages among those events. */
  message: MessageFrame;
  /** One of this device's messages (or edits, deletes, reactions) is stored by the server (✓). */
  stored: StoredMessage;
  /** The server refused one of this device's messages for good; it left the outbox. */
  rejected: RejectedMessage;
  receipt: ReceiptFrame;
  typing: ServerFrameOf<"typing">;
  presence: ServerFrameOf<"presence">;
  gap: ServerFrameOf<"gap">;
  /** This user deleted a message for themselves, on this or another device. */
  hidden: ServerFrameOf<"hidden">;
  /** How this user stands toward someone changed (added, wrote to, removed, blocked), on any of their devices. */
  contact: ServerFrameOf<"contact">;
  /** Someone's add to a group became an invitation (the user's `groupAdds` setting). */
  groupInvite: ServerFrameOf<"group_invite">;
  /** An error the server sent that is not about one of this device's messages. */
  serverError: ErrorFrame;
}

/** Opens the chat WebSocket to `url`, authenticated. */
export type OpenSocket = (url: string) => WebSocket;

export interface ConnectionOptions {
  server: ServerAddress;
  /** The device's session token, sent as `Authorization: Bearer` (by Bun's WebSocket) unless `openSocket` is given. */
  token?: string;
  /** How to open the socket, when not with the bearer token: a browser's WebSocket sends its session cookie. */
  openSocket?: OpenSocket;
  /** Where the cursors, titles and outbox live: a file (terminal) or IndexedDB (browser). */
  state: StoredDeviceState;
  /** The certificate authorities for a wss:// server, when not only the usual ones. */
  trust?: TlsTrust;
  backoff?: BackoffPolicy;
  /** Acks and read marks are sent at most once per conversation per this interval. */
  ackIntervalMs?: number;
  /** How long a gap in a conversation may stay open after the replay before the connection is resumed to fill it. */
  gapWaitMs?: number;
  /** A message without an answer for this long means the connection is dead. */
  answerTimeoutMs?: number;
  /** After this long without a frame from the server, the client pings it. */
  probeAfterMs?: number;
  /**
   * After this long without a frame (or, while connecting, without the connection opening),
   * the server is taken for dead: a frozen server keeps the TCP connection open and says nothing.
   */
  silentDeadMs?: number;
}

const DEFAULTS = { ackIntervalMs: 50, gapWaitMs: 2_000, answerTimeoutMs: 10_000, probeAfterMs: 2_000, silentDeadMs: 5_000 };
const CLIENT_GOING_AWAY = 4000;

/** Bun's WebSocket takes headers and TLS options, which a browser's does not: there the cookie authenticates. */
type HeaderWebSocket = new (url: string, options: { headers: Record<string, string>; tls?: TlsTrust }) => WebSocket;

function bearerSocket(token: string, trust: TlsTrust | undefined): OpenSocket {
  return (url) => new (WebSocket as unknown as HeaderWebSocket)(url, { headers: { Authorization: `Bearer ${token}` }, tls: trust });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One device's chat connection: connects with its token, resumes each conversation
 * from the cursors in its state file, hands out messages once and in order, acks
 * them, keeps unacknowledged sends in an outbox on disk and resends them with the
 * same id, and reconnects with backoff until stopped.
 */
export class ChatConnection extends Emitter<ConnectionEvents> {
  readonly user: string;
  private readonly options: Required<Omit<ConnectionOptions, "backoff" | "trust" | "token" | "openSocket">> & Pick<ConnectionOptions, "trust"> & { backoff: BackoffPolicy };
  private readonly token: string;
  private readonly openAuthenticatedSocket: OpenSocket;
  private readonly api: ChatApi;
  private readonly delivery: InOrderDelivery<StreamEvent>;
  private readonly receivedMarks: WatermarkBatcher;
  private readonly readMarks: WatermarkBatcher;
  private readonly sendQueue: Outbox;
  private socket: WebSocket | undefined;
  private live = false;
  private stopped = false;
  private wasReady = false;
  private failures = 0;
  private helloCount = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly answerTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly gapTimers = new Map<number, ReturnType<typeof setTimeout>>();
  /** When the current socket last heard from the server (or was opened). */
  private lastHeardAt = 0;
  private probing = false;
  private pings = 0;
  private livenessTimer: ReturnType<typeof setInterval> | undefined;
  /** Paces frames to the limit the server announced in `ready`. */
  private pacer: FramePacer | undefined;

  constructor(options: ConnectionOptions) {
    super();
    this.options = { ...DEFAULTS, backoff: DEFAULT_BACKOFF, ...options };
    this.token = options.token ?? "";
    this.openAuthenticatedSocket = options.openSocket ?? bearerSocket(this.token, options.trust);
    this.api = new ChatApi(options.server, options.trust);
    this.user = options.state.data.user;
    this.delivery = new InOrderDelivery(options.state.data.cursors, (conv, seq, frame) => this.processed(conv, seq, frame));
    this.receivedMarks = new WatermarkBatcher(this.options.ackIntervalMs, (batch) => this.sendMarks("received", batch));
    this.readMarks = new WatermarkBatcher(this.options.ackIntervalMs, (batch) => this.sendMarks("read", batch));
    this.sendQueue = new Outbox({
      entries: options.state.data.outbox,
      backoff: this.options.backoff,
      saveNow: () => this.saveNow(),
      saveSoon: () => this.saveSoon(),
      transmit: (entry) => this.transmitMessage(entry),
      awaitingAnswer: (id) => this.answerTimers.has(id),
    });
  }

  get state(): StoredDeviceState {
    return this.options.state;
  }

  /** Messages typed on this device that the server has not acknowledged yet, oldest first. */
  get outbox(): readonly OutboxEntry[] {
    return this.sendQueue.entries;
  }

  /** The name of a conversation as this device knows it: a user name or `#group`. */
  titleOf(conv: number): string | undefined {
    return this.state.data.titles[String(conv)];
  }

  start(): void {
    if (this.stopped || this.socket || this.reconnectTimer) return;
    this.openSocket();
  }

  /**
   * Queues a message in the outbox and sends it as soon as the connection is ready.
   * Throws a `ChatError` when the recipient or text is not acceptable.
   */
  send(to: string, text: string, replyTo?: string): MessageEntry {
    return this.sendQueue.add(replyTo === undefined ? { type: "send", to, text } : { type: "send", to, text, replyTo }) as MessageEntry;
  }

  /** Queues a message carrying an uploaded file (its attachment id), `caption` its text. */
  sendFile(to: string, attachment: string, caption: string): MessageEntry {
    return this.sendQueue.add({ type: "send", to, text: caption, attachment }) as MessageEntry;
  }

  /** Queues an edit, delete, reaction or timer like a message: stored once, retried with its id until answered. */
  act(request: Exclude<NewRequest, { type: "send" }>): OutboxEntry {
    return this.sendQueue.add(request);
  }

  /** The user has seen `conv` up to `seq`. */
  markRead(conv: number, seq: number): void {
    this.readMarks.raise(conv, seq);
  }

  /** Tells `to` that the user is typing, when connected; typing is never queued. */
  typing(to: string): void {
    if (this.live) this.transmit({ type: "typing", to });
  }

  /** Resolves true once the outbox is empty, false if it is not within `timeoutMs`. */
  waitForOutbox(timeoutMs: number): Promise<boolean> {
    return this.sendQueue.whenEmpty(timeoutMs);
  }

  /**
   * The network changed (a browser's `online` or `offline` event): drop the current socket, which
   * may be dead without knowing it, and connect again now rather than after the backoff.
   */
  reconnectNow(why: string): void {
    if (this.stopped) return;
    if (this.socket) return this.abandon(this.socket, why);
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.openSocket();
    }
  }

  /** Sends the pending acks, saves the state and closes the connection. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.receivedMarks.flush();
    this.readMarks.flush();
    this.pacer?.flushNow();
    const socket = this.socket;
    this.halt("closed");
    if (socket && socket.readyState === WebSocket.OPEN) {
      const closed = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve(), { once: true }));
      socket.close(1000, "client closing");
      await Promise.race([closed, sleep(1_000)]);
    }
  }

  // ---------- connection lifecycle ----------

  /** Counts the socket closed now and reconnects: one on a dead network, or to a frozen server, may take long to report its close. */
  private abandon(socket: WebSocket, why: string): void {
    socket.close(CLIENT_GOING_AWAY, why.slice(0, 120));
    void this.closed(socket, true, 1006, why);
  }

  private openSocket(): void {
    this.reconnectTimer = undefined;
    this.emit("status", { state: "connecting", attempt: this.failures + 1 });
    const socket = this.openAuthenticatedSocket(this.options.server.ws);
    this.socket = socket;
    this.watchLiveness(socket);
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.lastHeardAt = Date.now();
      this.delivery.beginReplay();
      this.helloCount += 1;
      this.transmit({ type: "hello", id: `hello-${this.helloCount}`, cursors: { ...this.state.data.cursors } });
      this.expectAnswer(`hello-${this.helloCount}`);
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.lastHeardAt = Date.now();
      this.probing = false;
      this.receive(event.data);
    });
    socket.addEventListener("close", (event) => void this.closed(socket, opened, event.code, event.reason));
  }

  private async closed(socket: WebSocket, opened: boolean, code: number, reason: string): Promise<void> {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.live = false;
    this.stopLiveness();
    this.clearTimers(this.answerTimers);
    this.clearTimers(this.gapTimers);
    if (this.stopped) return;
    if (code === CLOSE_CODES.revoked) return this.halt("revoked");
    let why = describeClose(code, reason);
    if (!opened) {
      try {
        if (!(await this.api.tokenIsValid(this.token))) return this.halt("unauthorized");
        why = "the server refused the connection";
      } catch (error) {
        why = error instanceof ServerUnreachableError ? error.reason : "the server refused the connection";
      }
      if (this.stopped) return;
    }
    this.failures += 1;
    const retryInMs = backoffDelay(this.failures, this.options.backoff);
    this.emit("status", { state: "offline", attempt: this.failures, retryInMs, reason: why, wasReady: this.wasReady });
    if (!this.stopped) this.reconnectTimer = setTimeout(() => this.openSocket(), retryInMs);
  }

  /** Closes the current socket so that the usual reconnect resumes from the cursors. */
  private resume(why: string): void {
    this.socket?.close(CLIENT_GOING_AWAY, why.slice(0, 120));
  }

  /**
   * A server that stopped (SIGSTOP, a hung process) keeps the connection open and answers nothing:
   * ping it after `probeAfterMs` of silence, and give up on it after `silentDeadMs` (also while
   * connecting), so that the client reconnects, perhaps to another server behind the same address.
   */
  private watchLiveness(socket: WebSocket): void {
    this.stopLiveness();
    this.lastHeardAt = Date.now();
    this.probing = false;
    const { probeAfterMs, silentDeadMs } = this.options;
    this.livenessTimer = setInterval(() => {
      if (socket !== this.socket) return this.stopLiveness();
      const silentMs = Date.now() - this.lastHeardAt;
      if (silentMs >= silentDeadMs) return this.abandon(socket, socket.readyState === WebSocket.OPEN ? "the server stopped answering" : "the server did not answer");
      if (silentMs >= probeAfterMs && !this.probing && socket.readyState === WebSocket.OPEN) {
        this.probing = true;
        // Straight out, not paced: the answer says the server is there.
        socket.send(JSON.stringify({ type: "ping", id: `ping-${++this.pings}` } satisfies ClientFrame));
      }
    }, Math.max(10, Math.min(1_000, Math.floor(probeAfterMs / 2))));
  }

  private stopLiveness(): void {
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
    this.pacer?.dispose();
    this.pacer = undefined;
  }

  private halt(reason: StopReason): void {
    this.stopped = true;
    this.live = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.receivedMarks.dispose();
    this.readMarks.dispose();
    this.sendQueue.dispose();
    this.clearTimers(this.answerTimers);
    this.clearTimers(this.gapTimers);
    this.stopLiveness();
    void this.saveNow();
    if (reason !== "closed") this.socket?.close(1000, reason);
    this.socket = undefined;
    this.emit("status", { state: "stopped", reason });
  }

  // ---------- frames from the server ----------

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = ServerFrame.parse(JSON.parse(String(data)));
    } catch {
      this.emit("serverError", { type: "error", code: "bad_request", message: "The server sent a frame this client does not understand." });
      return;
    }
    if (isStreamEvent(frame)) return this.incoming(frame);
    switch (frame.type) {
      case "ready":
        return this.ready(frame);
      case "sent":
        return this.acknowledged(frame.id, frame.conv, frame.seq, frame.ts);
      case "error":
        return this.refused(frame);
      case "gap":
        this.delivery.skipTo(frame.conv, frame.until);
        return this.emit("gap", frame);
      case "receipt":
        return this.emit("receipt", frame);
      case "typing":
        return this.emit("typing", frame);
      case "presence":
        return this.emit("presence", frame);
      case "hidden":
        return this.emit("hidden", frame);
      case "contact":
        return this.emit("contact", frame);
      case "group_invite":
        return this.emit("groupInvite", frame);
      case "pong":
        return; // any frame shows the server is there
    }
  }

  private ready(frame: ServerFrameOf<"ready">): void {
    this.clearAnswerTimer(frame.id);
    const socket = this.socket;
    if (frame.frames && socket) this.pacer = new FramePacer(frame.frames, (encoded) => socket.send(encoded));
    this.live = true;
    this.wasReady = true;
    this.failures = 0;
    // The backlog goes out first, so that `ready` means: everything stored so far has been handed out.
    this.delivery.finishReplay();
    this.emit("status", { state: "ready", user: frame.user, device: frame.device });
    this.sendQueue.sendAll();
    this.receivedMarks.flush();
    this.readMarks.flush();
  }

  private incoming(frame: StreamEvent): void {
    // This device's own event, stored before its ack was lost: the copy is the ack.
    if (frame.from === this.user && this.sendQueue.has(frame.id)) return this.acknowledged(frame.id, frame.conv, frame.seq, frame.ts);
    this.rememberTitle(frame.conv, frame.from === this.user || isGroupAddress(frame.to) ? frame.to : frame.from);
    if (this.delivery.offer(frame.conv, frame.seq, frame) === "held" && this.live) this.watchGap(frame.conv);
  }

  private acknowledged(id: string, conv: number, seq: number, ts: number): void {
    this.clearAnswerTimer(id);
    const entry = this.sendQueue.settle(id);
    if (!entry) return; // the answer to a retry of a message already settled
    if (entry.to !== undefined) this.rememberTitle(conv, entry.to);
    if (this.delivery.offer(conv, seq) === "held" && this.live) this.watchGap(conv);
    this.emit("stored", { entry, conv, seq, ts });
  }

  private refused(frame: ErrorFrame): void {
    const entry = frame.id === undefined ? undefined : this.sendQueue.find(frame.id);
    // A ping refused (for rate) still shows the server is there.
    if (frame.id?.startsWith("ping-")) return;
    if (frame.id?.startsWith("hello-")) {
      this.emit("serverError", frame);
      return this.resume("hello refused");
    }
    if (!entry && frame.code === "rate_limited" && frame.id === undefined) {
      // An ack, read mark or typing notice came too fast: the marks go again (typing is ephemeral). A retry follows, so no error to show.
      this.receivedMarks.resendSoon();
      this.readMarks.resendSoon();
      return;
    }
    if (!entry) return this.emit("serverError", frame);
    this.clearAnswerTimer(entry.id);
    if (ERROR_CODES[frame.code].retryable || frame.code === "not_ready") return this.sendQueue.retryLater(entry, frame.retryAfterMs);
    this.sendQueue.settle(entry.id);
    this.emit("rejected", { entry, code: frame.code, message: frame.message });
  }

  // ---------- bookkeeping ----------

  /** Called by the in-order delivery for every sequence number this device has now processed. */
  private processed(conv: number, seq: number, frame: StreamEvent | undefined): void {
    this.state.data.cursors[String(conv)] = seq;
    this.receivedMarks.raise(conv, seq);
    if (!this.delivery.isWaiting(conv)) this.clearTimer(this.gapTimers, conv);
    if (!frame) return;
    this.emit("event", frame);
    if (frame.type === "message") this.emit("message", frame);
  }

  private rememberTitle(conv: number, title: string): void {
    if (this.state.data.titles[String(conv)] === title) return;
    this.state.data.titles[String(conv)] = title;
    this.saveSoon();
  }

  private watchGap(conv: number): void {
    if (this.gapTimers.has(conv)) return;
    this.gapTimers.set(
      conv,
      setTimeout(() => {
        this.gapTimers.delete(conv);
        if (this.delivery.isWaiting(conv)) this.resume(`messages missing in conversation ${conv}`);
      }, this.options.gapWaitMs),
    );
  }

  private saveSoon(): void {
    this.saveTimer ??= setTimeout(() => this.saveNow(), this.options.ackIntervalMs);
  }

  /** Saves the state; with an asynchronous driver, resolves once it is stored. */
  private saveNow(): void | Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const saved = this.state.save();
    if (saved) return saved.catch((error) => this.emit("serverError", { type: "error", code: "internal", message: `Could not save this device's state: ${error}` }));
  }

  // ---------- frames to the server ----------

  private transmitMessage(entry: OutboxEntry): void {
    if (!this.live || this.answerTimers.has(entry.id)) return;
    const { createdAt: _queuedAt, ...frame } = entry;
    this.transmit(frame);
    this.expectAnswer(entry.id);
  }

  /** Cursors reach the disk before the server hears they were processed. */
  private sendMarks(type: "received" | "read", batch: ReadonlyMap<number, number>): boolean {
    const saved = type === "received" ? this.saveNow() : undefined;
    if (!this.live) return false;
    if (saved) {
      // An asynchronous store (IndexedDB): the acks follow once the cursors are stored.
      const socket = this.socket;
      void saved.then(() => {
        if (this.socket === socket && this.live) for (const [conv, seq] of batch) this.transmit({ type, conv, seq });
      });
      return true;
    }
    for (const [conv, seq] of batch) this.transmit({ type, conv, seq });
    return true;
  }

  private transmit(frame: ClientFrame): void {
    if (this.pacer) this.pacer.send(JSON.stringify(frame));
    else this.socket?.send(JSON.stringify(frame));
  }

  private expectAnswer(id: string): void {
    this.answerTimers.set(
      id,
      setTimeout(() => {
        this.answerTimers.delete(id);
        this.resume("the server stopped answering");
      }, this.options.answerTimeoutMs),
    );
  }

  private clearAnswerTimer(id: string): void {
    this.clearTimer(this.answerTimers, id);
  }

  private clearTimer<K>(timers: Map<K, ReturnType<typeof setTimeout>>, key: K): void {
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
  }

  private clearTimers<K>(timers: Map<K, ReturnType<typeof setTimeout>>): void {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  }
}

function describeClose(code: number, reason: string): string {
  if (code === CLOSE_CODES.goingAway) return "the server is shutting down";
  if (code === 1006) return "the connection was lost";
  return reason ? `the connection closed (${reason})` : `the connection closed (code ${code})`;
}
