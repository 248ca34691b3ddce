import { describe, expect, test } from "bun:test";
import { workerThreadCpuSeconds } from "../../bench/loadgen/process-stats.ts";
import { type CpuProfile, summarizeProfile } from "../../bench/profile/summarize.ts";

describe("the bench's CPU figures", () => {
  test("a profile's shares follow its samples, not the idle time before a sample", () => {
    const frame = (functionName: string) => ({ functionName, url: "", lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 3] },
        { id: 2, callFrame: frame("encode"), children: [] },
        { id: 3, callFrame: frame("afterIdle"), children: [] },
      ],
      // Nine samples in `encode` 1 ms apart; then the thread waited a second for the network, and ran `afterIdle` once.
      samples: [2, 2, 2, 2, 2, 2, 2, 2, 2, 3],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1_000_000],
    };
    const lines = summarizeProfile(profile);
    expect(lines).toContain("   90.0%  encode");
    expect(lines).toContain("   10.0%  afterIdle");
    expect(lines[0]).toBe("10 samples, about 0.01 s of CPU at the median interval of 1000 µs, over 1.0 s");
  });

  test("the app's SQLite writer thread is found by the name Bun gives a Worker's thread, and its CPU counted", async () => {
    const before = await workerThreadCpuSeconds(process.pid);
    // The worker spins until told to stop, through shared memory (a spinning thread reads no messages).
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(URL.createObjectURL(new Blob(["self.onmessage = ({ data }) => { while (Atomics.load(data, 0) === 0); };"])));
    try {
      worker.postMessage(stop);
      // Fails by timing out if the worker's thread is not found: its CPU would never show.
      let spent = 0;
      while (spent <= 0) {
        await Bun.sleep(10);
        spent = (await workerThreadCpuSeconds(process.pid)) - before;
      }
      expect(spent).toBeGreaterThan(0);
    } finally {
      Atomics.store(stop, 0, 1);
      worker.terminate();
    }
  });
});
