import { parseServerAddress } from "../../src/client/sdk/address.ts";
import { ChatConnection, type ConnectionStatus, type RejectedMessage, type StoredMessage } from "../../src/client/sdk/connection.ts";
import { type ClientFiles, clientFiles, DeviceState } from "../../src/client/sdk/state-file.ts";
import type { MessageFrame, ReceiptFrame } from "../../src/protocol/index.ts";

const WAIT_MS = 8_000;
/** Reconnects quickly, so tests that stop a server do not wait out the real backoff. */
export const FAST_BACKOFF = { initialMs: 50, maxMs: 400 };

/** One client device driven through the SDK, recording what it saw; `until` waits for a condition on the record. */
export class SdkDevice {
  readonly messages: MessageFrame[] = [];
  readonly stored: StoredMessage[] = [];
  readonly rejected: RejectedMessage[] = [];
  readonly receipts: ReceiptFrame[] = [];
  readonly statuses: ConnectionStatus[] = [];
  readonly connection: ChatConnection;
  /** Its session and state files, both in the directory it was given. */
  readonly files: ClientFiles;
  private waiters = new Set<() => void>();

  constructor(
    server: { url: string },
    dir: string,
    user: string,
    token: string,
  ) {
    const address = parseServerAddress(server.url);
    this.files = clientFiles(dir, dir, address, user);
    const state = DeviceState.open(this.files, address, user);
    this.connection = new ChatConnection({ server: address, token, state, backoff: FAST_BACKOFF });
    this.connection.on("message", (frame) => this.record(this.messages, frame));
    this.connection.on("stored", (event) => this.record(this.stored, event));
    this.connection.on("rejected", (event) => this.record(this.rejected, event));
    this.connection.on("receipt", (frame) => this.record(this.receipts, frame));
    this.connection.on("status", (status) => this.record(this.statuses, status));
  }

  get texts(): string[] {
    return this.messages.map((message) => message.text);
  }

  get isReady(): boolean {
    return this.statuses.at(-1)?.state === "ready";
  }

  start(): this {
    this.connection.start();
    return this;
  }

  /** Starts and resolves once the first replay is done: every message stored so far has been handed out. */
  async ready(): Promise<this> {
    this.start();
    await this.until(() => this.isReady, "ready");
    return this;
  }

  until(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; statuses: ${JSON.stringify(this.statuses.slice(-3))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  stop(): Promise<void> {
    return this.connection.stop();
  }

  private record<T>(list: T[], item: T): void {
    list.push(item);
    for (const waiter of [...this.waiters]) waiter();
  }
}
