import { ServerFrame } from "../../src/protocol/index.ts";

const DEFAULT_WAIT_MS = 5000;

/**
 * A real WebSocket client for tests with a buffered inbox: `next` takes the
 * first buffered frame that matches, or waits for one, and fails fast when
 * the socket closes or the wait runs out, instead of hanging the test.
 */
export class TestSocket {
  private readonly inbox: ServerFrame[] = [];
  private waiters: Array<{ match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void; reject: (error: Error) => void }> = [];
  private closeInfo: { code: number; reason: string } | undefined;
  private readonly closedPromise: Promise<{ code: number; reason: string }>;
  private requestCounter = 0;

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => this.deliver(ServerFrame.parse(JSON.parse(String(event.data)))));
    this.closedPromise = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        this.closeInfo = { code: event.code, reason: event.reason };
        for (const waiter of this.waiters) waiter.reject(new Error(`socket closed (${event.code} ${event.reason}) while waiting for a frame`));
        this.waiters = [];
        resolve(this.closeInfo);
      });
    });
  }

  /** Opens a socket with the token, without saying hello; `ca` is the certificate to trust for a wss:// server. */
  static open(wsUrl: string, token: string, { ca }: { ca?: string } = {}): Promise<TestSocket> {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` }, ...(ca ? { tls: { ca } } : {}) });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.addEventListener("open", () => resolve(socket), { once: true });
      ws.addEventListener("error", () => reject(new Error("WebSocket failed to open")), { once: true });
    });
  }

  /** Opens a socket and completes the hello, so live frames flow. Frames replayed before `ready` stay in the inbox. */
  static async connect(wsUrl: string, token: string, cursors?: Record<string, number>): Promise<TestSocket> {
    const socket = await TestSocket.open(wsUrl, token);
    await socket.hello(cursors);
    return socket;
  }

  /** Connects, then processes and acknowledges the replayed backlog, as a client that was up to date would. */
  static async connectCaughtUp(wsUrl: string, token: string): Promise<TestSocket> {
    const socket = await TestSocket.connect(wsUrl, token);
    socket.acknowledgeMessages();
    return socket;
  }

  /** Takes every buffered message and acknowledges the highest seq of each conversation; returns them. */
  acknowledgeMessages(): Array<Extract<ServerFrame, { type: "message" }>> {
    const messages = this.inbox.filter((frame): frame is Extract<ServerFrame, { type: "message" }> => frame.type === "message");
    this.inbox.splice(0, this.inbox.length, ...this.inbox.filter((frame) => frame.type !== "message"));
    const highest = new Map<number, number>();
    for (const message of messages) highest.set(message.conv, Math.max(highest.get(message.conv) ?? 0, message.seq));
    for (const [conv, seq] of highest) this.send({ type: "received", conv, seq });
    return messages;
  }

  async hello(cursors?: Record<string, number>): Promise<Extract<ServerFrame, { type: "ready" }>> {
    const id = this.nextId("hello");
    this.send({ type: "hello", id, ...(cursors ? { cursors } : {}) });
    return this.next((frame): frame is Extract<ServerFrame, { type: "ready" }> => frame.type === "ready" && frame.id === id);
  }

  nextId(prefix = "r"): string {
    return `${prefix}-${++this.requestCounter}-${Math.random().toString(36).slice(2, 8)}`;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Sends a message and waits for its `sent` ack (or rejects with the error frame's code). */
  async sendMessage(to: string, text: string, id = this.nextId("m")): Promise<Extract<ServerFrame, { type: "sent" }>> {
    this.send({ type: "send", id, to, text });
    const reply = await this.next((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === id);
    if (reply.type === "error") throw new Error(`${reply.code}: ${reply.message}`);
    return reply as Extract<ServerFrame, { type: "sent" }>;
  }

  next<T extends ServerFrame = ServerFrame>(match: ((frame: ServerFrame) => boolean) = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const index = this.inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0] as T);
    if (this.closeInfo) return Promise.reject(new Error(`socket already closed (${this.closeInfo.code})`));
    return new Promise<T>((resolve, reject) => {
      const waiter = { match, resolve: resolve as (frame: ServerFrame) => void, reject };
      this.waiters.push(waiter);
      setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms; inbox: ${JSON.stringify(this.inbox.slice(-5))}`));
      }, timeoutMs);
    });
  }

  /** Takes the next `message` frame. */
  nextMessage(timeoutMs?: number): Promise<Extract<ServerFrame, { type: "message" }>> {
    return this.next((frame) => frame.type === "message", timeoutMs);
  }

  /** Every frame received and not yet taken. */
  pending(): ServerFrame[] {
    return [...this.inbox];
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.closedPromise;
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closedPromise;
  }

  private deliver(frame: ServerFrame): void {
    const waiter = this.waiters.find((w) => w.match(frame));
    if (waiter) {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(frame);
    } else {
      this.inbox.push(frame);
    }
  }
}
