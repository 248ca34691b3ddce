import { describe, expect, test } from "bun:test";
import { CommitQueue } from "../../src/services/commit-queue.ts";

describe("group commit", () => {
  test("items pushed in one turn commit as one batch, in order, each caller getting its own result", async () => {
    const batches: number[][] = [];
    const queue = new CommitQueue<number, number>(async (items) => {
      batches.push(items);
      return items.map((item) => item * 10);
    });
    const results = await Promise.all([1, 2, 3].map((item) => queue.push(item)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  test("a failed batch rejects every caller in it, and the next batch still commits", async () => {
    let fail = true;
    const queue = new CommitQueue<string, string>(async (items) => {
      if (fail) throw new Error("disk on fire");
      return items;
    });
    const failed = await Promise.allSettled([queue.push("a"), queue.push("b")]);
    expect(failed.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await queue.push("c")).toBe("c");
  });

  test("the next batch goes while one commits; pushes beyond two batches in flight wait, then go as one batch, and callers resume in push order", async () => {
    const batches: number[][] = [];
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const queue = new CommitQueue<number, number>(async (items) => {
      batches.push(items);
      await gate;
      return items;
    });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const resumed: number[] = [];
    const push = (item: number) => queue.push(item).then((result) => void resumed.push(result));
    const pushes = [push(1)];
    await nextTurn();
    pushes.push(push(2), push(3));
    await nextTurn();
    pushes.push(push(4), push(5));
    await nextTurn();
    expect(batches).toEqual([[1], [2, 3]]);
    open();
    await Promise.all(pushes);
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
    expect(resumed).toEqual([1, 2, 3, 4, 5]);
  });

  test("with a busy gap, what is pushed while a batch commits waits out the gap and goes as one batch; an idle queue commits at once", async () => {
    const GAP_MS = 40;
    const starts: Array<{ items: number[]; at: number }> = [];
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const queue = new CommitQueue<number, number>(
      async (items) => {
        starts.push({ items, at: performance.now() });
        if (items[0] === 1) await gate;
        return items;
      },
      { busyGapMs: GAP_MS },
    );
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const first = queue.push(1);
    await nextTurn();
    const later = [queue.push(2)];
    await nextTurn();
    later.push(queue.push(3));
    await nextTurn();
    expect(starts.map((start) => start.items)).toEqual([[1]]);
    open();
    await Promise.all([first, ...later]);
    expect(starts.map((start) => start.items)).toEqual([[1], [2, 3]]);
    expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(GAP_MS - 1);
    // Nothing in flight: the next push commits in the next turn, not a gap later.
    await nextTurn();
    const idle = queue.push(4);
    await nextTurn();
    expect(starts.at(-1)!.items).toEqual([4]);
    await idle;
  });

  test("drain resolves once everything pushed so far has committed, even what waits behind a batch in flight", async () => {
    const committed: number[] = [];
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const queue = new CommitQueue<number, number>(async (items) => {
      if (committed.length === 0) await gate;
      committed.push(...items);
      return items;
    });
    void queue.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    void queue.push(2);
    const drained = queue.drain().then(() => [...committed]);
    open();
    expect(await drained).toEqual([1, 2]);
  });

  test("a lane's later items wait while its earlier one commits, and fail with it, before anything can be pushed behind them", async () => {
    const batches: string[][] = [];
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const queue = new CommitQueue<string, string>(async (items) => {
      batches.push(items);
      if (items.includes("a1")) {
        await gate;
        throw new Error("disk full");
      }
      return items;
    });
    const failures: string[] = [];
    const lane = (id: string) => ({ key: "conn1:conv7", failed: () => void failures.push(id) });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const a1 = queue.push("a1", lane("a1"));
    await nextTurn();
    const a2 = queue.push("a2", lane("a2"));
    const other = queue.push("b1", { key: "conn1:conv8", failed: () => {} });
    await nextTurn();
    expect(batches).toEqual([["a1"], ["b1"]]); // a2 waits for a1's batch; another conversation does not
    expect(await other).toBe("b1");
    open();
    expect((await Promise.allSettled([a1, a2])).map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(failures).toEqual(["a1", "a2"]);
    expect(batches).toEqual([["a1"], ["b1"]]); // a2 never reached the store
  });
});
