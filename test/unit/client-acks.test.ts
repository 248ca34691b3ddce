import { describe, expect, test } from "bun:test";
import { backoffDelay } from "../../src/client/sdk/backoff.ts";
import { WatermarkBatcher } from "../../src/client/sdk/watermark-batcher.ts";

/** Records the batches a batcher sends; `waitFor(n)` resolves once n were sent, or fails after 2 s. */
function collector(online: () => boolean = () => true) {
  const batches: Array<ReadonlyMap<number, number>> = [];
  const waiters: Array<() => void> = [];
  const send = (batch: ReadonlyMap<number, number>) => {
    if (!online()) return false;
    batches.push(batch);
    for (const waiter of waiters.splice(0)) waiter();
    return true;
  };
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 2_000;
    while (batches.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} batches, got ${batches.length}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 2_000);
      });
    }
  };
  return { batches, send, waitFor };
}

describe("coalesced watermarks", () => {
  test("many messages of one conversation give one ack with the highest sequence", async () => {
    const { batches, send, waitFor } = collector();
    const batcher = new WatermarkBatcher(50, send);
    for (let seq = 1; seq <= 100; seq++) batcher.raise(12, seq);
    batcher.raise(17, 3);
    await waitFor(1);
    expect(batches).toEqual([new Map([[12, 100], [17, 3]])]);
  });

  test("never sends a watermark at or below one already sent", async () => {
    const { batches, send, waitFor } = collector();
    const batcher = new WatermarkBatcher(5, send);
    batcher.raise(12, 40);
    batcher.flush();
    batcher.raise(12, 39);
    batcher.raise(12, 40);
    batcher.flush();
    batcher.raise(12, 41);
    await waitFor(2);
    expect(batches).toEqual([new Map([[12, 40]]), new Map([[12, 41]])]);
  });

  test("keeps the batch while offline and sends it on the next flush", () => {
    let online = false;
    const { batches, send } = collector(() => online);
    const batcher = new WatermarkBatcher(50, send);
    batcher.raise(12, 5);
    batcher.flush();
    expect(batches).toEqual([]);
    online = true;
    batcher.raise(12, 6);
    batcher.flush();
    expect(batches).toEqual([new Map([[12, 6]])]);
    batcher.dispose();
  });

  test("marks the server refused for rate go again: each conversation's highest, once", async () => {
    const { batches, send, waitFor } = collector();
    const batcher = new WatermarkBatcher(5, send);
    batcher.raise(12, 40);
    batcher.raise(17, 3);
    batcher.flush();
    batcher.resendSoon();
    await waitFor(2);
    expect(batches).toEqual([new Map([[12, 40], [17, 3]]), new Map([[12, 40], [17, 3]])]);
    batcher.dispose();
  });
});

describe("reconnect backoff", () => {
  const policy = { initialMs: 500, maxMs: 30_000 };

  test("doubles per attempt within jitter bounds, up to the maximum", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(250);
    expect(backoffDelay(1, policy, () => 1)).toBe(500);
    expect(backoffDelay(3, policy, () => 0)).toBe(1_000);
    expect(backoffDelay(3, policy, () => 1)).toBe(2_000);
    expect(backoffDelay(20, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(15_000);
  });

  test("spreads clients that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
