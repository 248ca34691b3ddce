import { connect, type Socket } from "node:net";
import { ServerFrame } from "../../src/protocol/index.ts";

const DEFAULT_WAIT_MS = 5000;

export const OPCODES = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface RawFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Encodes one client frame, masked as RFC 6455 requires (or not, to break the rule on purpose). */
export function encodeFrame(opcode: number, payload: Uint8Array, { fin = true, mask = true, rsv = 0 } = {}): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf);
  header[1] = (mask ? 0x80 : 0) | (length < 126 ? length : length < 65536 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = crypto.getRandomValues(new Uint8Array(4));
  header.set(key, 2 + lengthBytes);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([header, masked]);
}

/**
 * A WebSocket client written over a bare TCP socket, for what a well-behaved
 * client cannot do: stop reading, never answer pings, send invalid UTF-8,
 * bad opcodes or broken framing. Server frames are decoded; text frames that
 * are protocol frames can be awaited like with TestSocket.
 */
export class RawWebSocket {
  readonly frames: RawFrame[] = [];
  /** The text frames that are protocol frames, decoded, in arrival order. */
  readonly received: ServerFrame[] = [];
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  private readonly closedPromise: Promise<void>;
  private answerPings = true;

  private constructor(private readonly socket: Socket) {
    this.closedPromise = new Promise((resolve) => {
      socket.once("close", () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  /** Opens `ws://host:port/path` with a bearer token and completes the upgrade; rejects with the HTTP status line when refused. */
  static async open(wsUrl: string, token: string | undefined, { answerPings = true } = {}): Promise<RawWebSocket> {
    const url = new URL(wsUrl);
    const socket = connect(Number(url.port), url.hostname);
    const raw = new RawWebSocket(socket);
    raw.answerPings = answerPings;
    const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
    const request = [
      `GET ${url.pathname} HTTP/1.1`,
      `Host: ${url.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...(token === undefined ? [] : [`Authorization: Bearer ${token}`]),
      "",
      "",
    ].join("\r\n");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.write(request);
    const head = await raw.readHandshake();
    if (!head.startsWith("HTTP/1.1 101")) {
      socket.destroy();
      throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
    }
    socket.on("data", (chunk: Buffer) => raw.receive(chunk));
    raw.receive(Buffer.alloc(0));
    return raw;
  }

  send(frame: unknown): void {
    this.sendFrame(OPCODES.text, Buffer.from(typeof frame === "string" ? frame : JSON.stringify(frame)));
  }

  sendFrame(opcode: number, payload: Uint8Array, options?: { fin?: boolean; mask?: boolean; rsv?: number }): void {
    this.writeBytes(encodeFrame(opcode, payload, options));
  }

  writeBytes(bytes: Uint8Array): void {
    if (!this.closedFlag) this.socket.write(bytes);
  }

  /** Stops reading from the socket: the kernel buffers fill and the server sees a client that does not keep up. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Reads again: what the kernel kept arrives, then the close if the server hung up meanwhile. */
  resumeReading(): void {
    this.socket.resume();
  }

  /** The close code the server sent, if it sent a close frame. */
  closeCode(): number | undefined {
    const close = this.frames.find((frame) => frame.opcode === OPCODES.close);
    return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
  }

  /** Waits until `count` protocol frames match (or fails when the connection closes first or time runs out). */
  async waitFor(match: (frame: ServerFrame) => boolean, count = 1, timeoutMs = DEFAULT_WAIT_MS): Promise<ServerFrame[]> {
    const found = () => this.received.filter(match);
    await this.until(() => found().length >= count || this.closedFlag, timeoutMs, () => `${found().length} of ${count} frames`);
    if (found().length < count) throw new Error(`connection closed with ${found().length} of ${count} frames`);
    return found();
  }

  /** Waits until `condition` holds, checking it whenever a frame arrives or the connection closes; fails after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs = DEFAULT_WAIT_MS, describe = () => "the condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${describe()} not reached within ${timeoutMs} ms`);
      await this.nextChange(left);
    }
  }

  /** Resolves when the TCP connection is closed, or fails after `timeoutMs`. */
  closed(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return Promise.race([
      this.closedPromise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readHandshake(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        const end = this.buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        this.socket.off("data", onData);
        const head = this.buffer.subarray(0, end).toString("latin1");
        this.buffer = this.buffer.subarray(end + 4);
        resolve(head);
      };
      this.socket.on("data", onData);
      this.socket.once("close", () => reject(new Error("closed during the upgrade")));
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) break;
      const first = this.buffer[0]!;
      const second = this.buffer[1]!;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) break;
      const frame = { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload: Buffer.from(this.buffer.subarray(offset, offset + length)) };
      this.buffer = this.buffer.subarray(offset + length);
      this.frames.push(frame);
      if (frame.opcode === OPCODES.text) this.decode(frame.payload);
      if (frame.opcode === OPCODES.ping && this.answerPings) this.sendFrame(OPCODES.pong, frame.payload);
    }
    this.wake();
  }

  private decode(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      return;
    }
    const parsed = ServerFrame.safeParse(json);
    if (parsed.success) this.received.push(parsed.data);
  }

  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
