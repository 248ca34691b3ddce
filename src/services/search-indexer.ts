import type { ConversationLog } from "../store/conversation-log.ts";
import type { ReportProblem } from "./problems.ts";

/** How often the indexer looks for unindexed events. */
const EVERY_MS = 250;
/** Quiet this long, the store's writer is idle: the indexer catches up at full speed. */
const QUIET_MS = 200;
/** Events indexed per step while idle, and per look while messages flow (a few milliseconds of the writer). */
const IDLE_CHUNK = 2_000;
const BUSY_CHUNK = 500;

/**
 * Keeps the search index up with the stored events, in the writer's idle time: a store that
 * indexes after storing (SQLite) then spends nothing on search while messages flow, and catches
 * up when they stop; a search catches up first on its own. `stop()` resolves once a step under
 * way has finished, so the store can close behind it.
 */
export function startSearchIndexer(
  log: Pick<ConversationLog, "indexForSearch">,
  quietForMs: () => number,
  reportProblem: ReportProblem,
): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> | undefined;
  const step = async () => {
    if (running || stopped) return;
    running = index().finally(() => (running = undefined));
  };
  const index = async () => {
    try {
      if (quietForMs() < QUIET_MS) {
        await log.indexForSearch(BUSY_CHUNK);
        return;
      }
      while (!stopped && quietForMs() >= QUIET_MS && (await log.indexForSearch(IDLE_CHUNK)) === IDLE_CHUNK);
    } catch (error) {
      reportProblem("indexing messages for search failed", error);
    }
  };
  const timer = setInterval(step, EVERY_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
