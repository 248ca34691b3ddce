import { scrapeMetrics } from "../../test/helpers/metrics.ts";

/** Where the app's time went between two scrapes of its /metrics, as the app itself measures it. */
export interface AppTimings {
  /** Store calls by operation, most total time first: calls, mean ms (a write's includes its wait for the writer thread and its commit). */
  store: Array<{ operation: string; calls: number; meanMs: number; seconds: number }>;
  /** From a send's arrival to its message stored and handed to the recipients' connections. */
  sendToHandedMeanMs: number | null;
  /** The longest a timer waited on the app's event loop since the scrape before. */
  worstEventLoopLagMs: number;
}

export type MetricsSnapshot = Map<string, number>;

/** The app's /metrics now (allowed from this machine without a token). */
export function snapshotMetrics(baseUrl: string): Promise<MetricsSnapshot> {
  return scrapeMetrics({ url: baseUrl });
}

export function timingsBetween(before: MetricsSnapshot, after: MetricsSnapshot, top = 8): AppTimings {
  const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
  const store: AppTimings["store"] = [];
  for (const series of after.keys()) {
    const operation = /^chat_store_seconds_count\{operation="([^"]+)"\}$/.exec(series)?.[1];
    if (!operation) continue;
    const calls = delta(series);
    const seconds = delta(`chat_store_seconds_sum{operation="${operation}"}`);
    if (calls > 0) store.push({ operation, calls, meanMs: round((seconds / calls) * 1000), seconds: round(seconds) });
  }
  const sends = delta("chat_delivery_seconds_count");
  return {
    store: store.sort((a, b) => b.seconds - a.seconds).slice(0, top),
    sendToHandedMeanMs: sends > 0 ? round((delta("chat_delivery_seconds_sum") / sends) * 1000) : null,
    worstEventLoopLagMs: round((after.get("process_event_loop_lag_seconds") ?? 0) * 1000),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
