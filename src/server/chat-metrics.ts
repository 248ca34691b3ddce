import type { DeviceId } from "../domain/types.ts";
import type { Fanout } from "../services/fanout.ts";
import type { Store } from "../store/store.ts";
import { readdirSync } from "node:fs";
import { buildInfo } from "../version.ts";
import { type Counter, type Histogram, MetricsRegistry } from "./metrics.ts";

/** Counts the server reads when scraped. */
export interface LiveCounts {
  /** Open WebSocket connections, hello said or not. */
  connections(): number;
  /** Devices with a connection here (a device has at most one). */
  devices(): number;
  /** Bytes queued for slow clients, across every connection. */
  bufferedBytes(): number;
}

/** Every server frame is encoded with `type` first, so a message frame is known by its start without parsing it. */
const MESSAGE_FRAME_START = '{"type":"message"';
const isMessageFrame = (frame: string) => frame.startsWith(MESSAGE_FRAME_START);

/** A fan-out that can say how many sockets here a publish reaches, and tell of frames relayed from other servers. */
interface RelayingFanout {
  localReach(topic: string, except?: DeviceId): number;
  onRelayed(listener: (topic: string, frame: string) => void): void;
}

/** The metrics of a chat server, and the wrappers that feed them. */
export class ChatMetrics {
  readonly registry = new MetricsRegistry();
  readonly messagesIn: Counter;
  readonly messagesOut: Counter;
  readonly deliverySeconds: Histogram;
  readonly storeSeconds: Histogram;
  readonly errors: Counter;

  constructor(live: LiveCounts) {
    const registry = this.registry;
    registry.gauge("chat_connections", "Open WebSocket connections.", live.connections);
    registry.gauge("chat_devices_connected", "Devices connected to this server.", live.devices);
    registry.gauge("chat_buffered_bytes", "Bytes waiting to be sent to slow clients.", live.bufferedBytes);
    registry.gauge("chat_build_info", "The release and commit of this server (always 1).", () => 1, buildInfo());
    addProcessMetrics(registry);
    this.messagesIn = registry.counter("chat_messages_in_total", "New messages stored (a retried send is counted once).");
    this.messagesOut = registry.counter("chat_messages_out_total", "Message frames sent to devices on this server: live (stored here or relayed from another server) or replayed.");
    this.deliverySeconds = registry.histogram(
      "chat_delivery_seconds",
      "Seconds from a send frame's arrival to its message being stored and handed to the recipients' connections.",
    );
    this.storeSeconds = registry.histogram(
      "chat_store_seconds",
      "Seconds per store call, by operation; each write is one commit (appendEvents commits a batch of messages).",
    );
    this.errors = registry.counter("chat_errors_total", "Errors answered to clients, by code.");
  }

  /** Counts `frame` as a message sent to one device, when it is one. */
  countOut(frame: string): void {
    if (isMessageFrame(frame)) this.messagesOut.inc();
  }

  /** The same store, timing every call and counting new messages. */
  meterStore(store: Store): Store {
    const timed = new Map<PropertyKey, unknown>();
    const metrics = this;
    return new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || typeof property !== "string") return value;
        // Called on the driver itself, not the proxy: a driver's own fields (a callable SQL client) must stay unwrapped.
        if (property === "close") return value.bind(target);
        if (!timed.has(property)) {
          timed.set(property, async (...args: unknown[]) => {
            const started = performance.now();
            try {
              const result = await (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
              if (property === "appendEvents") metrics.countNewMessages(result as Awaited<ReturnType<Store["appendEvents"]>>);
              return result;
            } finally {
              metrics.storeSeconds.observe((performance.now() - started) / 1000, { operation: property });
            }
          });
        }
        return timed.get(property);
      },
    });
  }

  /** The same fan-out, counting the message frames it hands to devices connected here. */
  meterFanout<F extends Fanout & RelayingFanout>(fanout: F): F {
    // Counting the reach asks Bun for the topic's subscribers: only message frames are counted, so only they pay.
    const count = (topic: string, frame: string, except?: DeviceId) => {
      if (isMessageFrame(frame)) this.messagesOut.inc({}, fanout.localReach(topic, except));
    };
    fanout.onRelayed(count);
    const publish: Fanout["publish"] = (topic, frame, except) => {
      count(topic, frame, except);
      fanout.publish(topic, frame, except);
    };
    return new Proxy(fanout, {
      get(target, property) {
        if (property === "publish") return publish;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  private countNewMessages(results: Awaited<ReturnType<Store["appendEvents"]>>): void {
    const stored = results.filter((result) => result.ok && !result.duplicate).length;
    if (stored > 0) this.messagesIn.inc({}, stored);
  }
}

/** How often the event loop's lag is sampled. */
const LAG_SAMPLE_MS = 500;

/**
 * The process metrics a Prometheus user expects of any server (the names of the official clients),
 * and the event loop's lag: how late a timer fires, the time frames wait before they are handled.
 */
function addProcessMetrics(registry: MetricsRegistry): void {
  const startTime = Math.round(Date.now() / 1000 - process.uptime());
  registry.counterReadAtScrape("process_cpu_seconds_total", "User and system CPU time of the server process, in seconds.", () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });
  registry.gauge("process_resident_memory_bytes", "Resident memory of the server process.", () => process.memoryUsage.rss());
  registry.gauge("process_start_time_seconds", "When the server process started, in seconds since the Unix epoch.", () => startTime);
  registry.gauge("process_open_fds", "Open file descriptors of the server process (sockets included).", openFileDescriptors);
  // The worst lag since the last scrape, so a stall between two scrapes is not missed.
  let worstLag = 0;
  let expected = performance.now() + LAG_SAMPLE_MS;
  const sample = () => {
    const now = performance.now();
    worstLag = Math.max(worstLag, Math.max(0, now - expected) / 1000);
    expected = now + LAG_SAMPLE_MS;
    setTimeout(sample, LAG_SAMPLE_MS).unref();
  };
  setTimeout(sample, LAG_SAMPLE_MS).unref();
  registry.gauge("process_event_loop_lag_seconds", `Longest delay of a timer on the event loop since the last scrape (sampled every ${LAG_SAMPLE_MS} ms).`, () => {
    const lag = Math.max(worstLag, Math.max(0, performance.now() - expected) / 1000);
    worstLag = 0;
    return lag;
  });
}

function openFileDescriptors(): number {
  try {
    return readdirSync("/proc/self/fd").length - 1; // the directory being read is one of them
  } catch {
    return Number.NaN; // not Linux
  }
}
