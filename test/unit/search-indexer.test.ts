import { expect, test } from "bun:test";
import { startSearchIndexer } from "../../src/services/search-indexer.ts";

/** A store with `backlog` events waiting to be indexed; every call is recorded with its limit. */
function fakeLog(backlog: number) {
  const calls: number[] = [];
  let waiting = backlog;
  let called: () => void = () => {};
  let emptied: () => void = () => {};
  const drained = new Promise<void>((resolve) => (emptied = resolve));
  return {
    calls,
    drained,
    nextCall: () => new Promise<void>((resolve) => (called = resolve)),
    async indexForSearch(limit: number) {
      calls.push(limit);
      const taken = Math.min(limit, waiting);
      waiting -= taken;
      called();
      if (taken < limit) emptied();
      return taken;
    },
  };
}

test("a quiet store is indexed to the end in one go; a busy one gets one small step per look", async () => {
  const quiet = fakeLog(4_500);
  const idle = startSearchIndexer(quiet, () => 10_000, () => {});
  await quiet.drained;
  await idle.stop();
  expect(quiet.calls).toEqual([2_000, 2_000, 2_000]);

  const busy = fakeLog(4_500);
  const flowing = startSearchIndexer(busy, () => 0, () => {});
  await busy.nextCall();
  await flowing.stop();
  expect(busy.calls).toEqual([500]);
});

test("a failing step is reported, and stop waits for a step under way", async () => {
  const problems: string[] = [];
  let finish: () => void = () => {};
  let started: () => void = () => {};
  const startedStep = new Promise<void>((resolve) => (started = resolve));
  const indexer = startSearchIndexer(
    {
      indexForSearch: () => {
        started();
        return new Promise((_, reject) => (finish = () => reject(new Error("disk full"))));
      },
    },
    () => 10_000,
    (what) => problems.push(what),
  );
  await startedStep;
  const stopped = indexer.stop();
  finish();
  await stopped;
  expect(problems).toEqual(["indexing messages for search failed"]);
});
