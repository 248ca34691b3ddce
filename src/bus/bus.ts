/**
 * Carries frames between servers. A frame published on one server must reach
 * the devices subscribed to the same topic on every other server; delivery to
 * this server's own sockets is done by the caller, not by the bus.
 *
 * Delivery through the bus is at most once: the store is the source of truth,
 * and a device that missed a frame catches up from it on its next `hello`.
 * Frames from one server on one topic arrive in the order they were published.
 */
export interface Bus {
  /** Sends an encoded frame to the other servers that watch `topic`. */
  publish(topic: string, frame: string): void;
  /**
   * This server has local subscribers for `topic`; calls nest (counted).
   * Resolves once frames published elsewhere on `topic` reach this server, so
   * a catch-up read from the store after it leaves no gap. If the bus is down
   * it resolves anyway, and `onMissedFrames` fires when delivery is back.
   */
  watch(topic: string): Promise<void>;
  /** Undoes one `watch`; the last one stops remote delivery of the topic to this server (resolves when it has). */
  unwatch(topic: string): Promise<void>;
  /** Called for every frame another server published on a watched topic. */
  onFrame(handler: (topic: string, frame: string) => void): void;
  /**
   * Called when frames for watched topics may have been lost (for instance the
   * broker restarted) and delivery works again: the devices connected here
   * should catch up from the store.
   */
  onMissedFrames(handler: () => void): void;
  /** Resolves when the bus is reachable. */
  ready(): Promise<void>;
  /** Resolves when the bus is reachable now, rejects when it is not; for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
