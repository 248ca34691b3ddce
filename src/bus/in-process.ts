import type { Bus } from "./bus.ts";

type FrameHandler = (topic: string, frame: string) => void;

interface Member {
  watches(topic: string): boolean;
  deliver(topic: string, frame: string): void;
}

/**
 * Stands in for a broker between several servers living in one process, so
 * multi-server behaviour can be tested without Redis. Each `connect()` is one
 * server's bus. Like Redis, the recipients of a frame are the buses watching
 * its topic when it is published, and delivery happens later (a microtask),
 * never inside `publish`.
 */
export class InProcessHub {
  readonly #members = new Set<Member>();

  connect(): Bus {
    const watchCounts = new Map<string, number>();
    const frameHandlers: FrameHandler[] = [];
    const hub = this.#members;
    const member: Member = {
      watches: (topic) => watchCounts.has(topic),
      deliver: (topic, frame) => {
        for (const handler of frameHandlers) handler(topic, frame);
      },
    };
    hub.add(member);

    return {
      publish(topic, frame) {
        if (!hub.has(member)) return;
        for (const other of hub) {
          if (other !== member && other.watches(topic)) queueMicrotask(() => other.deliver(topic, frame));
        }
      },
      async watch(topic) {
        watchCounts.set(topic, (watchCounts.get(topic) ?? 0) + 1);
      },
      async unwatch(topic) {
        const count = watchCounts.get(topic) ?? 0;
        if (count <= 1) watchCounts.delete(topic);
        else watchCounts.set(topic, count - 1);
      },
      onFrame(handler) {
        frameHandlers.push(handler);
      },
      // Nothing between in-process buses can drop a frame.
      onMissedFrames() {},
      async ready() {},
      async ping() {
        if (!hub.has(member)) throw new Error("This bus was closed.");
      },
      async close() {
        hub.delete(member);
      },
    } satisfies Bus;
  }
}

/** The bus of a lone server: it has no peers, so publishing goes nowhere. */
export function createLocalBus(): Bus {
  return new InProcessHub().connect();
}
