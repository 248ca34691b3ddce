import type { ConversationLog } from "../store/conversation-log.ts";
import type { ReportProblem } from "./problems.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION_EVERY_MS = 60 * 60 * 1000;
/** Disappearing messages go within this long of their time (clients hide them on time themselves). */
const EXPIRY_EVERY_MS = 60 * 1000;

/**
 * The store's sweeps, at start and then on timers: disappearing messages whose time has come lose
 * their text (every minute), and events older than the retention period are deleted (hourly;
 * 0 days keeps everything).
 */
export function startSweeps(
  log: Pick<ConversationLog, "deleteEventsBefore" | "expireEvents">,
  retentionDays: number,
  reportProblem: ReportProblem,
  now: () => number = Date.now,
): { stop(): void; firstSweep: Promise<void> } {
  const expire = () => log.expireEvents(now()).then(() => {}, (error: unknown) => reportProblem("expiring disappearing messages failed", error));
  const retain = () =>
    log.deleteEventsBefore(now() - retentionDays * DAY_MS).then(() => {}, (error: unknown) => reportProblem("retention sweep failed", error));
  const timers = [setInterval(expire, EXPIRY_EVERY_MS)];
  const sweeps = [expire()];
  if (retentionDays > 0) {
    timers.push(setInterval(retain, RETENTION_EVERY_MS));
    sweeps.push(retain());
  }
  for (const timer of timers) timer.unref();
  return { stop: () => timers.forEach((timer) => clearInterval(timer)), firstSweep: Promise.all(sweeps).then(() => {}) };
}
