import type { Bus } from "../../src/bus/bus.ts";

export interface ReceivedFrame {
  topic: string;
  frame: string;
}

/** Everything a bus hands this server, with a bounded wait for what should come next. */
export interface BusInbox {
  readonly frames: ReceivedFrame[];
  /** Resolves once a frame with this text has arrived; fails the test after `timeoutMs`. */
  until(frame: string, timeoutMs?: number): Promise<void>;
  /** How many times the bus reported missed frames so far. */
  readonly missedFramesReports: number;
  /** Resolves at the next missed-frames report; fails the test after `timeoutMs`. */
  nextMissedFrames(timeoutMs?: number): Promise<void>;
}

export function busInbox(bus: Bus): BusInbox {
  const frames: ReceivedFrame[] = [];
  let missedFramesReports = 0;
  const frameWaiters = new Set<{ frame: string; resolve: () => void }>();
  const missedWaiters = new Set<() => void>();

  bus.onFrame((topic, frame) => {
    frames.push({ topic, frame });
    for (const waiter of frameWaiters) {
      if (waiter.frame === frame) waiter.resolve();
    }
  });
  bus.onMissedFrames(() => {
    missedFramesReports++;
    for (const resolve of missedWaiters) resolve();
  });

  return {
    frames,
    get missedFramesReports() {
      return missedFramesReports;
    },
    until(frame, timeoutMs = 5000) {
      if (frames.some((received) => received.frame === frame)) return Promise.resolve();
      return withTimeout(`frame "${frame}"`, timeoutMs, (resolve) => {
        const waiter = { frame, resolve };
        frameWaiters.add(waiter);
        return () => frameWaiters.delete(waiter);
      });
    },
    nextMissedFrames(timeoutMs = 10_000) {
      return withTimeout("a missed-frames report", timeoutMs, (resolve) => {
        missedWaiters.add(resolve);
        return () => missedWaiters.delete(resolve);
      });
    },
  };
}

function withTimeout(what: string, timeoutMs: number, listen: (resolve: () => void) => () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stopListening = listen(() => {
      clearTimeout(timer);
      stopListening();
      resolve();
    });
    const timer = setTimeout(() => {
      stopListening();
      reject(new Error(`waited ${timeoutMs} ms for ${what}, which never came`));
    }, timeoutMs);
  });
}
