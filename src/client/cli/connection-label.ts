import type { ConnectionStatus } from "../sdk/connection.ts";

/**
 * The connection's state as the prompt shows it when it is not connected: `[connecting…]`,
 * `[reconnecting…]`, or `[offline · retrying in 4 s]`, which counts down each second.
 */
export class ConnectionLabel {
  private text = "[connecting…]";
  private retryAt: number | undefined;
  private lostAt: number | undefined;
  private everReady = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Empty while connected. */
  get label(): string {
    if (this.retryAt === undefined) return this.text;
    return `[offline · retrying in ${Math.max(0, Math.ceil((this.retryAt - this.now()) / 1000))} s]`;
  }

  /** Since when this client has been without its connection (it was connected before); undefined while connected. */
  get offlineSince(): number | undefined {
    return this.lostAt;
  }

  update(status: ConnectionStatus): void {
    this.stopTicking();
    this.retryAt = undefined;
    switch (status.state) {
      case "connecting":
        this.text = this.everReady ? "[reconnecting…]" : "[connecting…]";
        break;
      case "ready":
        this.text = "";
        this.everReady = true;
        this.lostAt = undefined;
        break;
      case "offline":
        this.retryAt = this.now() + status.retryInMs;
        if (this.everReady) this.lostAt ??= this.now();
        this.ticker = setInterval(() => this.changed(), 1_000);
        break;
      case "stopped":
        this.text = "";
        break;
    }
    this.changed();
  }

  dispose(): void {
    this.stopTicking();
  }

  private stopTicking(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
