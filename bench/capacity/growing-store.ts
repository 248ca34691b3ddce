import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { appDriver } from "../drivers/app.ts";
import type { LoadgenJob } from "../loadgen/job.ts";
import type { StepResult } from "../loadgen/open-loop.ts";
import { type LatencySummary, summarize as percentiles } from "../loadgen/stats.ts";
import { runLoadgen } from "../loadgen/spawn.ts";
import { startTarget } from "../targets.ts";
import type { CapacityPlan } from "./plan.ts";
import { seedOnTmpfs } from "./fleet.ts";
import { seedMessages } from "./seed-messages.ts";

const HISTORY_WARMUP = 20;
const HISTORY_PAGE = 50;

export interface OneToOneFigures {
  maxSustainedPerSec: number;
  p99AtHalfRateMs: number | null;
  lost: number;
  duplicated: number;
  /** Cores other processes on this shared machine used at the best step: above ~0.25 the figure is noisy. */
  otherCoresAtBest: number | null;
  /**
   * The app's CPU (all threads) per delivered message, median over the search's steps: an equal-work cost
   * that a busy machine disturbs less than the maximum rate (the steps are the same rates for the same search).
   */
  cpuUsPerMsg: number | null;
}

export interface GrowthPoint {
  /** Messages in the store when the server starts (background + backlog). */
  storedMessages: number;
  seedSeconds: number;
  seedMsgsPerSec: number;
  /** Seconds to bring the search index up to date after seeding (the server would do it in its quiet time). */
  indexSeconds: number;
  /** The SQLite files (database and WAL) over the messages stored. */
  bytesPerMessage: number | null;
  /** From spawning the server to its first HTTP answer. */
  startSeconds: number;
  resume: { messages: number; delivered: number; seconds: number; msgsPerSec: number };
  /** GET /api/history of the backlog conversation, newest page of 50, one request at a time. */
  historyMs: LatencySummary;
  oneToOne: OneToOneFigures | { failed: string };
}

export interface GrowthResult {
  points: GrowthPoint[];
}

/**
 * Scenario 3 of issue 17: for each size, a fresh store seeded through the
 * store's code, then the server started on it: its start time, a device
 * resuming `resumeBacklog` messages, history page latency, and the
 * one-to-one rate search of bench/run.ts (app only) against it.
 */
export async function growingStore(plan: CapacityPlan, log: (line: string) => void): Promise<GrowthResult> {
  const points: GrowthPoint[] = [];
  for (const background of plan.growth.sizes) points.push(await measureAt(background, plan, log));
  return { points };
}

async function measureAt(background: number, plan: CapacityPlan, log: (line: string) => void): Promise<GrowthPoint> {
  const { growth } = plan;
  const spec = { background, backlog: growth.resumeBacklog, users: growth.users, partnersPerUser: growth.partnersPerUser };
  const directory = await seedOnTmpfs((scratch) => seedMessages(scratch, spec, log));
  const { dataDir, seeded } = directory;
  try {
    const bytes = await directoryBytes(dataDir);
    log(`${seeded.stored.toLocaleString("en")} messages seeded in ${seeded.seedSeconds.toFixed(1)} s (+ ${seeded.indexSeconds.toFixed(1)} s search index), ${Math.round(bytes / seeded.stored)} B each`);

    const starting = performance.now();
    const running = await startTarget("app", { dataDir });
    const startSeconds = (performance.now() - starting) / 1000;
    try {
      const driver = appDriver(running.ref.baseUrl, dataDir);
      let delivered = 0;
      const resuming = performance.now();
      (await driver.connect(seeded.reader, { message: () => void delivered++ })).close();
      const resumeSeconds = (performance.now() - resuming) / 1000;

      const historyMs = await historyLatency(running.ref.baseUrl, seeded.reader.token!, seeded.writer, growth.historySamples);
      log(`start ${startSeconds.toFixed(2)} s, resume ${delivered} in ${resumeSeconds.toFixed(2)} s, history p99 ${historyMs.p99} ms`);

      const oneToOne = await oneToOneAgainst({ scenario: "one-to-one", target: running.ref, params: growth.oneToOne }, plan.jobTimeoutSeconds);
      log(`one-to-one: ${"failed" in oneToOne ? oneToOne.failed : `${oneToOne.maxSustainedPerSec} msgs/s, p99 at half rate ${oneToOne.p99AtHalfRateMs} ms`}`);
      return {
        storedMessages: seeded.stored,
        seedSeconds: round(seeded.seedSeconds),
        seedMsgsPerSec: Math.round(seeded.stored / seeded.seedSeconds),
        indexSeconds: round(seeded.indexSeconds),
        bytesPerMessage: seeded.stored ? Math.round(bytes / seeded.stored) : null,
        startSeconds: round(startSeconds),
        resume: { messages: growth.resumeBacklog, delivered, seconds: round(resumeSeconds), msgsPerSec: Math.round(delivered / resumeSeconds) },
        historyMs,
        oneToOne,
      };
    } finally {
      await running.stop();
    }
  } finally {
    await directory.remove();
  }
}

async function historyLatency(baseUrl: string, token: string, peer: string, samples: number): Promise<LatencySummary> {
  const url = `${baseUrl}/api/history?with=${peer}&limit=${HISTORY_PAGE}`;
  const headers = { authorization: `Bearer ${token}` };
  const times: number[] = [];
  for (let i = 0; i < HISTORY_WARMUP + samples; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    const page = (await response.json()) as { messages?: unknown[] };
    if (!response.ok || page.messages?.length !== HISTORY_PAGE) throw new Error(`history answered ${response.status}: ${JSON.stringify(page).slice(0, 200)}`);
    if (i >= HISTORY_WARMUP) times.push(performance.now() - started);
  }
  return percentiles(times);
}

/** bench/run.ts's one-to-one scenario in its own load generator process. */
async function oneToOneAgainst(job: LoadgenJob, timeoutSeconds: number): Promise<OneToOneFigures | { failed: string }> {
  const result = (await runLoadgen(job, timeoutSeconds)) as { failed: string } | { maxSustainedPerSec: number; atHalfRate: StepResult | null; lost: number; duplicated: number; best: StepResult | null; steps: StepResult[] };
  if ("failed" in result) return { failed: result.failed };
  return { maxSustainedPerSec: result.maxSustainedPerSec, p99AtHalfRateMs: result.atHalfRate?.latencyMs.p99 ?? null, lost: result.lost, duplicated: result.duplicated, otherCoresAtBest: result.best?.otherCores ?? null, cpuUsPerMsg: medianCpuPerMessage(result.steps) };
}

function medianCpuPerMessage(steps: StepResult[]): number | null {
  const costs = steps.filter((step) => step.deliveredPerSec > 0).map((step) => (step.targetCores * 1e6) / step.deliveredPerSec).sort((a, b) => a - b);
  return costs.length ? Math.round(costs[Math.floor(costs.length / 2)]! * 10) / 10 : null;
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
