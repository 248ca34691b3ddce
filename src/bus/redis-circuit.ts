import type { RedisClient } from "bun";
import { withDeadline } from "../domain/deadline.ts";

/** How long one call may take while Redis looks healthy before the circuit opens. */
export const REDIS_CALL_DEADLINE_MS = 250;
/** How often an open circuit asks Redis, in the background, whether it is back. */
const PROBE_EVERY_MS = 500;

/** Thrown at once, without asking Redis, while the circuit is open (Redis known down). */
export class RedisUnavailable extends Error {
  override name = "RedisUnavailable";
}

/**
 * A circuit breaker around one Redis connection, for calls on a request's path.
 *
 * Bun's client queues every command while it reconnects, so a call made while
 * Redis is down waits for Redis to come back: seconds, or for ever. Here a call
 * fails at once when the connection is known down (the client says it is not
 * connected, or an earlier call found it so), and otherwise within
 * `deadlineMs`; a call that misses its deadline opens the circuit. While it is
 * open a background probe pings Redis, and the first answer closes it again.
 * Callers decide what failing means (a local fallback, skipping presence).
 */
export class RedisCircuit {
  #open = false;
  #answered = false;
  #probe: ReturnType<typeof setInterval> | undefined;
  #probing = false;
  #closed = false;
  readonly #listeners: Array<(up: boolean) => void> = [];

  constructor(
    private readonly client: RedisClient,
    private readonly what: string,
    private readonly deadlineMs = REDIS_CALL_DEADLINE_MS,
  ) {}

  /** Whether calls go to Redis now. Bun's client connects on its first command, so a client that never answered yet is given its chance. */
  get up(): boolean {
    return !this.#open && (this.client.connected || !this.#answered);
  }

  /** Hears every change between up (true) and down (false), e.g. for one log line per outage. */
  onChange(listener: (up: boolean) => void): void {
    this.#listeners.push(listener);
  }

  async call<T>(work: () => Promise<T>): Promise<T> {
    if (!this.up) {
      this.trip();
      throw new RedisUnavailable(`${this.what}: Redis is unavailable`);
    }
    try {
      const result = await withDeadline(work(), this.deadlineMs, this.what);
      this.#answered = true;
      return result;
    } catch (error) {
      // A reply error (a script's own) says Redis is there; a deadline or a lost connection says it is not.
      if (!this.client.connected || (error instanceof Error && error.name === "DeadlineExceeded")) this.trip();
      throw error;
    }
  }

  /** Stops the background probe, for shutdown. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#probe);
    this.#probe = undefined;
  }

  private trip(): void {
    if (this.#open || this.#closed) return;
    this.#open = true;
    for (const listener of this.#listeners) listener(false);
    this.#probe = setInterval(() => void this.tryClosing(), PROBE_EVERY_MS);
    this.#probe.unref();
  }

  private async tryClosing(): Promise<void> {
    if (this.#probing || !this.client.connected) return;
    this.#probing = true;
    try {
      await withDeadline(this.client.ping(), this.deadlineMs, this.what);
      this.#answered = true;
      if (this.#closed || !this.#open) return;
      this.#open = false;
      clearInterval(this.#probe);
      this.#probe = undefined;
      for (const listener of this.#listeners) listener(true);
    } catch {
      // Still down: the next probe asks again.
    } finally {
      this.#probing = false;
    }
  }
}
