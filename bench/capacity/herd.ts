import { backoffDelay, DEFAULT_BACKOFF } from "../../src/client/sdk/backoff.ts";
import type { BenchConnection } from "../drivers/driver.ts";
import { residentBytes } from "../loadgen/process-stats.ts";
import { type RunningTarget, startTarget } from "../targets.ts";
import { connectFleet, fleetOf, seedDevices } from "./fleet.ts";
import type { CapacityPlan } from "./plan.ts";

const SAMPLE_MS = 100;

export interface HerdResult {
  connections: number;
  /** Seconds the server took to stop (SIGTERM, draining), and the new one to answer HTTP while the herd came in. */
  stopSeconds: number;
  startSeconds: number;
  /** From the restart (the old server told to stop) until every device had its `ready` (replay done) again. */
  herdSeconds: number | null;
  reconnected: number;
  /** Connect attempts that failed while the server was up again (refused, closed or timed out). */
  refusedConnects: number;
  firstRefusals: string[];
  /** Attempts that found no server (it was restarting): the backoff at work. */
  attemptsWhileDown: number;
  /** How reconnects spread: devices ready per second after the restart began. */
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
  const { devices, directory } = await seedDevices(true, "herd", plan.connections, plan.devicesPerAccount);
  const dataDir = directory!.dataDir;
  let running: RunningTarget | null = null;
  try {
    running = await startTarget("app", { host: "0.0.0.0", dataDir });
    const port = Number(new URL(running.ref.baseUrl).port);
    const fleet = fleetOf(running.ref, devices);
    let pending = 0;
    /** Failed attempts: when each started, and why. */
    const failed: Array<{ at: number; why: string }> = [];
    const readyAt: number[] = [];
    const live: Array<BenchConnection | null> = new Array(fleet.devices.length).fill(null);
    const allReady = Promise.withResolvers<void>();

    const reconnect = (index: number, attempt: number) => {
      setTimeout(async () => {
        const at = performance.now();
        try {
          live[index] = await fleet.driverOf(index).connect(fleet.devices[index]!, eventsFor(index));
          readyAt.push(performance.now());
          if (--pending === 0) allReady.resolve();
        } catch (error) {
          failed.push({ at, why: String(error instanceof Error ? error.message : error) });
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
    await running.stop();
    running = null;
    const stopSeconds = (performance.now() - stopping) / 1000;
    const starting = performance.now();
    // The herd arrives while the new server starts: it is up once it listens, which may be long before it answers our HTTP check.
    const listening = whenListening(port);
    running = await startTarget("app", { host: "0.0.0.0", dataDir, port, readyTimeoutMs: 120_000 });
    const listeningAt = await listening;
    const startSeconds = (performance.now() - starting) / 1000;

    let peak = 0;
    const pid = running.ref.pid;
    const sampler = setInterval(() => void residentBytes(pid).then((bytes) => (peak = Math.max(peak, bytes)), () => {}), SAMPLE_MS);
    const limit = Bun.sleep(120_000).then(() => "timeout" as const);
    const outcome = pending === 0 ? "done" : await Promise.race([allReady.promise.then(() => "done" as const), limit]);
    clearInterval(sampler);
    peak = Math.max(peak, await residentBytes(pid));
    const refusals = failed.filter((attempt) => attempt.at >= listeningAt).map((attempt) => attempt.why);
    const herdSeconds = outcome === "done" ? (Math.max(...readyAt) - stopping) / 1000 : null;
    log(`herd: ${readyAt.length} ready again ${herdSeconds === null ? "(not all within 120 s)" : `${herdSeconds.toFixed(2)} s after the restart began`}, ${refusals.length} refused, peak ${Math.round(peak / 2 ** 20)} MB`);

    const perSecond: number[] = [];
    for (const at of readyAt) {
      const second = Math.floor((at - stopping) / 1000);
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
      attemptsWhileDown: failed.length - refusals.length,
      readyPerSecond: Array.from(perSecond, (count) => count ?? 0),
      peakResidentMB: Math.round(peak / 2 ** 20),
      residentBeforeMB: Math.round(residentBefore / 2 ** 20),
    };
  } finally {
    await running?.stop();
    await directory!.remove();
  }
}

/** When something first accepts a TCP connection on 127.0.0.1:`port`. */
async function whenListening(port: number): Promise<number> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      return performance.now();
    } catch {
      await Bun.sleep(10);
    }
  }
  return Number.POSITIVE_INFINITY;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
