import { RedisClient, type RedisOptions } from "bun";
import type { Bus } from "./bus.ts";
import { keepConnected } from "./redis-connection.ts";

export interface RedisBusOptions {
  url: string;
  /** Prepended to every topic to make the Redis channel name, so deployments (or tests) sharing a Redis stay apart. */
  keyPrefix?: string;
  /** Passed to Bun's client (TLS, timeouts, retry count); both connections use it. */
  connection?: RedisOptions;
}

/**
 * A bus over Redis pub/sub: one connection publishes without waiting for
 * replies (so Bun writes the publishes of a tick together), and a duplicate
 * connection subscribes to the channels of watched topics only, so a frame
 * reaches only the servers that have a device for its topic.
 *
 * A published message is `<server id> <frame>`, so a server can drop its own
 * frames, which Redis hands back to it whenever it watches the same topic.
 *
 * Bun's client reconnects by itself but comes back with no subscription at
 * all (checked on Bun 1.4.5 with Redis 7.0), and gives up for good after its
 * retries run out. So on every reconnect the subscriber drops its stale
 * listeners and subscribes afresh, and a closed connection is reopened by hand.
 */
/** How long `watch` waits for Redis to confirm a subscription before it resolves anyway. */
const WATCH_DEADLINE_MS = 500;

export function createRedisBus(options: RedisBusOptions): Bus {
  const prefix = options.keyPrefix ?? "chat:";
  const serverId = crypto.randomUUID();
  const publisher = new RedisClient(options.url, options.connection);
  let subscriber: RedisClient | undefined;
  let closing = false;

  const watchCounts = new Map<string, number>();
  /** Topics Redis delivers to us, as far as finished SUBSCRIBE/UNSUBSCRIBE replies tell. */
  const subscribed = new Set<string>();
  /** Callers of watch/unwatch waiting for their topic's subscription to settle. */
  const settleWaiters = new Map<string, Array<() => void>>();
  const frameHandlers: Array<(topic: string, frame: string) => void> = [];
  const missedFramesHandlers: Array<() => void> = [];
  /** Topics in the SUBSCRIBE or UNSUBSCRIBE step under way. */
  const inFlight = new Set<string>();
  let resubscribeAll = false;
  let framesMayBeMissing = false;
  let syncing = false;

  const channelOf = (topic: string) => prefix + topic;

  // One listener for every channel: Bun keeps a list per channel, so the same
  // function subscribed twice would be called twice per message.
  function onMessage(message: string, channel: string): void {
    if (!channel.startsWith(prefix)) return;
    const topic = channel.slice(prefix.length);
    // A frame still in flight when its topic was unwatched must not surface.
    if (!watchCounts.has(topic)) return;
    const separator = message.indexOf(" ");
    if (separator < 0 || message.slice(0, separator) === serverId) return;
    const frame = message.slice(separator + 1);
    for (const handler of frameHandlers) handler(topic, frame);
  }

  /** Whether Redis delivers `topic` to us exactly when it is watched, with no step for it under way. */
  const inLine = (topic: string) => !inFlight.has(topic) && subscribed.has(topic) === watchCounts.has(topic);

  function settle(all: boolean): void {
    for (const [topic, waiters] of settleWaiters) {
      if (!all && !inLine(topic)) continue;
      settleWaiters.delete(topic);
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Resolves once the subscription of `topic` is in line with its watch count,
   * or at once when the subscriber is known down, or after WATCH_DEADLINE_MS
   * (a Redis that does not answer): Bun's client would hold the SUBSCRIBE until
   * Redis is back, and a `hello` must not wait for that. Resolving early marks
   * frames as possibly missed, so `onMissedFrames` fires once the subscription
   * is in place and the devices catch up from the store.
   */
  function untilInLine(topic: string): Promise<void> {
    if (closing || inLine(topic)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = settleWaiters.get(topic);
      if (waiters) waiters.push(resolve);
      else settleWaiters.set(topic, [resolve]);
      void sync();
      if (inLine(topic)) return;
      const giveUp = () => {
        framesMayBeMissing = true;
        resolve();
      };
      if (!subscriber?.connected) return giveUp();
      setTimeout(() => {
        if (!inLine(topic)) giveUp();
      }, WATCH_DEADLINE_MS).unref();
    });
  }

  /**
   * Brings the subscriber's channels in line with the watched topics, one
   * batch of SUBSCRIBE or UNSUBSCRIBE at a time (Bun refuses an UNSUBSCRIBE
   * before the SUBSCRIBE reply, so the steps must not overlap).
   */
  async function sync(): Promise<void> {
    if (syncing || !subscriber || closing) return;
    syncing = true;
    let failed = false;
    while (!closing && !failed) {
      if (resubscribeAll) {
        resubscribeAll = false;
        framesMayBeMissing = true;
        // Redis forgot our channels, but Bun still holds our listener on each.
        try {
          await subscriber.unsubscribe();
        } catch {
          // Not in subscriber mode: no listener is left to drop.
        }
        subscribed.clear();
        continue;
      }
      const toRemove = [...subscribed].filter((topic) => !watchCounts.has(topic));
      const toAdd = [...watchCounts.keys()].filter((topic) => !subscribed.has(topic));
      const batch = toRemove.length > 0 ? toRemove : toAdd;
      if (batch.length === 0) break;
      for (const topic of batch) inFlight.add(topic);
      try {
        if (batch === toRemove) {
          await subscriber.unsubscribe(batch.map(channelOf));
          for (const topic of batch) subscribed.delete(topic);
        } else {
          await subscriber.subscribe(batch.map(channelOf), onMessage);
          for (const topic of batch) subscribed.add(topic);
        }
      } catch {
        // The connection dropped mid-way: the reconnect resubscribes
        // everything and then reports the gap.
        framesMayBeMissing = true;
        failed = true;
      } finally {
        inFlight.clear();
      }
      settle(failed);
    }
    syncing = false;
    if (resubscribeAll) {
      // A reconnect arrived while the failed step was under way.
      void sync();
    } else if (!failed && framesMayBeMissing && !closing) {
      framesMayBeMissing = false;
      for (const handler of missedFramesHandlers) handler();
    }
  }

  const ready = (async () => {
    await publisher.connect();
    const client = await publisher.duplicate();
    if (closing) return client.close();
    subscriber = client;
    keepConnected(publisher, () => closing);
    keepConnected(subscriber, () => closing);
    subscriber.onconnect = () => {
      resubscribeAll = true;
      void sync();
    };
    void sync();
  })();
  // Callers see the failure through ready(); nobody may be listening yet.
  ready.catch(() => {});

  return {
    publish(topic, frame) {
      if (closing) return;
      // At most once: a frame lost here is caught up from the store. While the
      // connection is down it is dropped rather than queued behind the outage:
      // the other servers' subscribers are down too and replay from the store.
      if (!publisher.connected) return;
      publisher.publish(channelOf(topic), `${serverId} ${frame}`).catch(() => {});
    },
    watch(topic) {
      const count = watchCounts.get(topic) ?? 0;
      watchCounts.set(topic, count + 1);
      return untilInLine(topic);
    },
    unwatch(topic) {
      const count = watchCounts.get(topic) ?? 0;
      if (count > 1) {
        watchCounts.set(topic, count - 1);
        return Promise.resolve();
      }
      watchCounts.delete(topic);
      return untilInLine(topic);
    },
    onFrame(handler) {
      frameHandlers.push(handler);
    },
    onMissedFrames(handler) {
      missedFramesHandlers.push(handler);
    },
    async ready() {
      try {
        await ready;
      } catch (error) {
        throw new Error(`The Redis bus could not connect: ${(error as Error).message}`, { cause: error });
      }
    },
    async ping() {
      // Both connections must be up: one carries what this server publishes, the other what it receives.
      if (!publisher.connected || !subscriber?.connected) throw new Error("A Redis connection of the bus is down.");
      await publisher.ping();
    },
    async close() {
      closing = true;
      publisher.close();
      subscriber?.close();
      settle(true);
    },
  } satisfies Bus;
}
