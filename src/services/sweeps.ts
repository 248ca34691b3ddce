import type { Store } from "../store/store.ts";
import type { ReportProblem } from "./problems.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/** Deletes messages older than the retention period, at start and then hourly. 0 days keeps everything. */
export function startRetention(store: Store, retentionDays: number, reportProblem: ReportProblem, now: () => number = Date.now): { stop(): void } {
  if (retentionDays === 0) return { stop() {} };
  const sweep = () => {
    store.deleteMessagesBefore(now() - retentionDays * DAY_MS).catch((error) => reportProblem("retention sweep failed", error));
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
