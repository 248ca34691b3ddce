/**
 * Carries frames between servers. A frame published on one server must reach
 * the devices subscribed to the same topic on every other server; delivery to
 * this server's own sockets is done by the caller, not by the bus.
 *
 * Delivery through the bus is at most once: the store is the source of truth,
 * and a device that missed a frame catches up from it on its next `hello`.
 */
export interface Bus {
  /** Sends an encoded frame to the other servers that watch `topic`. */
  publish(topic: string, frame: string): void;
  /** This server has local subscribers for `topic`; calls nest (counted). */
  watch(topic: string): void;
  /** Undoes one `watch`; the last one stops remote delivery of the topic to this server. */
  unwatch(topic: string): void;
  /** Called for every frame another server published on a watched topic. */
  onFrame(handler: (topic: string, frame: string) => void): void;
  /** Resolves when the bus is reachable. */
  ready(): Promise<void>;
  close(): Promise<void>;
}
