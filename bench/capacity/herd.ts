import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backoffDelay, DEFAULT_BACKOFF } from "../../src/client/sdk/backoff.ts";
import type { BenchConnection } from "../drivers/driver.ts";
import { residentBytes } from "../loadgen/process-stats.ts";
import { type RunningTarget, startTarget } from "../targets.ts";
import { connectFleet, seedFleet } from "./fleet.ts";
import type { CapacityPlan } from "./plan.ts";

const SAMPLE_MS = 100;

export interface HerdResult {
  connections: number;
  /** Seconds the server took to stop (SIGTERM, draining) and to answer again on the same port. */
  stopSeconds: number;
  startSeconds: number;
  /** From the server answering again until every device had its `ready` (replay done) again. */
  herdSeconds: number | null;
  reconnected: number;
  /** Connect attempts that failed while the server was up again (refused, closed or timed out). */
  refusedConnects: number;
  firstRefusals: string[];
  /** Attempts that found no server (it was restarting): the backoff at work. */
  attemptsWhileDown: number;
  /** How reconnects spread: devices ready per second after the server came back. */
  readyPerSecond: number[];
  peakResidentMB: number;
  residentBeforeMB: number;
}

/**
 * Scenario 4 of issue 17: every device connected, the server restarted on the
 * same data and port, every device reconnecting as the SDK does (exponential
 * backoff with jitter, `backoffDelay` of src/client/sdk/backoff.ts, from the
 * drop). Measures the time until all are ready again, refused connects and
 * the new server's peak memory.
 */
export async function reconnectHerd(plan: CapacityPlan["herd"], log: (line: string) => void): Promise<HerdResult> {
  const dataDir = await mkdtemp(join(tmpdir(), "chat-bench-herd-"));
  let running: RunningTarget | null = null;
  try {
    running = await startTarget("app", { host: "0.0.0.0", dataDir });
    const port = Number(new URL(running.ref.baseUrl).port);
    const fleet = await seedFleet(running.ref, "herd", plan.connections, plan.devicesPerAccount);
    let serverUp = true;
    let backUpAt = 0;
    let attemptsWhileDown = 0;
    let pending = 0;
    const refusals: string[] = [];
    const readyAt: number[] = [];
    const live: Array<BenchConnection | null> = new Array(fleet.devices.length).fill(null);
    const allReady = Promise.withResolvers<void>();

    const reconnect = (index: number, attempt: number) => {
      setTimeout(async () => {
        const up = serverUp;
        try {
          live[index] = await fleet.driverOf(index).connect(fleet.devices[index]!, eventsFor(index));
          readyAt.push(performance.now());
          if (--pending === 0) allReady.resolve();
        } catch (error) {
          if (up) refusals.push(String(error instanceof Error ? error.message : error));
          else attemptsWhileDown++;
          reconnect(index, attempt + 1);
        }
      }, backoffDelay(attempt, DEFAULT_BACKOFF));
    };
    const eventsFor = (index: number) => ({
      message() {},
      dropped() {
        live[index] = null;
        pending++;
        reconnect(index, 1);
      },
    });

    const first = await connectFleet(fleet, plan.concurrency, eventsFor);
    if (first.failures.length) throw new Error(`${first.failures.length} devices could not connect before the restart: ${first.failures[0]}`);
    first.connections.forEach((connection, index) => (live[index] = connection));
    log(`herd: ${fleet.devices.length} connected in ${first.seconds.toFixed(2)} s; restarting the server`);
    const residentBefore = await residentBytes(running.ref.pid);

    const stopping = performance.now();
    serverUp = false;
    await running.stop();
    running = null;
    const stopSeconds = (performance.now() - stopping) / 1000;
    const starting = performance.now();
    running = await startTarget("app", { host: "0.0.0.0", dataDir, port });
    backUpAt = performance.now();
    serverUp = true;
    const startSeconds = (backUpAt - starting) / 1000;

    let peak = 0;
    const pid = running.ref.pid;
    const sampler = setInterval(() => void residentBytes(pid).then((bytes) => (peak = Math.max(peak, bytes)), () => {}), SAMPLE_MS);
    const limit = Bun.sleep(120_000).then(() => "timeout" as const);
    const outcome = pending === 0 ? "done" : await Promise.race([allReady.promise.then(() => "done" as const), limit]);
    clearInterval(sampler);
    peak = Math.max(peak, await residentBytes(pid));
    const herdSeconds = outcome === "done" ? (Math.max(...readyAt) - backUpAt) / 1000 : null;
    log(`herd: ${readyAt.length} ready again ${herdSeconds === null ? "(not all within 120 s)" : `${herdSeconds.toFixed(2)} s after the server was back`}, ${refusals.length} refused, peak ${Math.round(peak / 2 ** 20)} MB`);

    const perSecond: number[] = [];
    for (const at of readyAt) {
      const second = Math.max(0, Math.floor((at - backUpAt) / 1000));
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    }
    for (const connection of live) connection?.close();
    return {
      connections: fleet.devices.length,
      stopSeconds: round(stopSeconds),
      startSeconds: round(startSeconds),
      herdSeconds: herdSeconds === null ? null : round(herdSeconds),
      reconnected: readyAt.length,
      refusedConnects: refusals.length,
      firstRefusals: refusals.slice(0, 3),
      attemptsWhileDown,
      readyPerSecond: Array.from(perSecond, (count) => count ?? 0),
      peakResidentMB: Math.round(peak / 2 ** 20),
      residentBeforeMB: Math.round(residentBefore / 2 ** 20),
    };
  } finally {
    await running?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
