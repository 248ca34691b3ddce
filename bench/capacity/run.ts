/**
 * The capacity bench (issue 17): a server's real life rather than its peak.
 *
 *   bun run bench:capacity                full size: 100,000 connections, 0 / 1M / 10M stored messages
 *   bun run bench:capacity -- --quick     a tenth (10,000 connections, 0 / 1M stored, one minute of the day), a few minutes
 * Options: --only=idle,day,growth,herd
 *          --stored=N (the growth scenario at 0 and N stored messages)
 *          --day-rate=N (the realistic day at N messages a second instead of 2,000, full and quick)
 *          --profile (CPU profile of the app's server thread while the idle scenario connects, and over the day; kept in bench/results/)
 *
 * Raises its open-file limit (`ulimit -n`, re-running itself under sh; children inherit it) and spreads
 * connections over 127.0.0.1, .2, … instead of widening the machine's ephemeral port range. Writes
 * bench/results/capacity-<kind>-<time>.json and one SVG per scenario, prints a table per scenario and,
 * on the last line, one JSON object with the headline figures.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { TargetName } from "../loadgen/job.ts";
import { killChildrenOnSignal } from "../targets.ts";
import { type DayResult, realisticDay } from "./day.ts";
import { type GrowthResult, growingStore } from "./growing-store.ts";
import { type HerdResult, reconnectHerd } from "./herd.ts";
import { type IdleResult, idleConnections } from "./idle-connections.ts";
import { ensureOpenFiles, localPortRange, openFileLimit } from "./limits.ts";
import { type CapacityPlan, FULL_CAPACITY, QUICK_CAPACITY } from "./plan.ts";
import { type CapacityReport, charts, summarize, tables } from "./report.ts";

const RESULTS_DIR = join(import.meta.dir, "..", "results");
const SCENARIOS = ["idle", "day", "growth", "herd"] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: options } = parseArgs({
  options: { quick: { type: "boolean", default: false }, only: { type: "string" }, stored: { type: "string" }, "day-rate": { type: "string" }, profile: { type: "boolean", default: false } },
});
const plan: CapacityPlan = options.quick ? QUICK_CAPACITY : FULL_CAPACITY;
if (options.stored) plan.growth = { ...plan.growth, sizes: [0, Number(options.stored)] };
if (options["day-rate"]) plan.day = { ...plan.day, traffic: { ...plan.day.traffic, msgsPerSec: Number(options["day-rate"]) } };
const chosen = (options.only?.split(",") ?? [...SCENARIOS]) as Scenario[];
for (const name of chosen) if (!SCENARIOS.includes(name)) fail(`unknown scenario '${name}' (idle, day, growth, herd)`);
if (!(plan.day.traffic.msgsPerSec > 0)) fail(`--day-rate must be a number of messages a second above 0, not '${options["day-rate"]}'`);

// Every connection is a file descriptor in the server and another in this process (the load generator).
const connectionsHeld = Math.max(
  chosen.includes("idle") ? plan.idle.connections : 0,
  chosen.includes("herd") ? plan.herd.connections : 0,
  chosen.includes("day") ? plan.day.graph.users : 0,
);
await ensureOpenFiles(connectionsHeld + 5_000);
killChildrenOnSignal();

await mkdir(RESULTS_DIR, { recursive: true });
const started = performance.now();
const startedAt = new Date().toISOString();
const stamp = startedAt.replace(/[:.]/g, "-").slice(0, 19);
const report: CapacityReport = {
  kind: plan.kind,
  startedAt,
  seconds: 0,
  limits: { openFiles: await openFileLimit(), localPortRange: await localPortRange() },
  idle: null,
  growth: null,
  herd: null,
  day: null,
};
const log = (line: string) => console.error(`[capacity ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);

if (chosen.includes("idle")) {
  const idle: Partial<Record<TargetName, IdleResult | { failed: string }>> = {};
  const profileFile = options.profile ? join(RESULTS_DIR, `capacity-app-connect-${stamp}.cpuprofile`) : undefined;
  for (const target of ["app", "ceiling", "peer"] as const) {
    idle[target] = await attempt(() => idleConnections(target, plan.idle, log, target === "app" ? profileFile : undefined));
  }
  report.idle = idle;
}
if (chosen.includes("day")) {
  const profileFile = options.profile ? join(RESULTS_DIR, `capacity-app-day-${stamp}.cpuprofile`) : undefined;
  report.day = await attempt<DayResult>(() => realisticDay(plan.day, log, profileFile));
}
if (chosen.includes("growth")) report.growth = await attempt<GrowthResult>(() => growingStore(plan, log));
if (chosen.includes("herd")) report.herd = await attempt<HerdResult>(() => reconnectHerd(plan.herd, log));

report.seconds = Math.round(performance.now() - started) / 1000;
const summary = summarize(report);
const base = join(RESULTS_DIR, `capacity-${plan.kind}-${stamp}`);
await Bun.write(`${base}.json`, `${JSON.stringify({ ...report, summary }, null, 2)}\n`);
const written = [`${base}.json`];
for (const [scenario, svg] of Object.entries(charts(report))) {
  await Bun.write(`${base}-${scenario}.svg`, svg);
  await Bun.write(join(RESULTS_DIR, `capacity-latest-${scenario}.svg`), svg);
  written.push(`${base}-${scenario}.svg`);
}
console.log(tables(report));
console.log(`\nWritten: ${written.map((path) => path.slice(path.indexOf("bench/"))).join(", ")} (${report.seconds} s)`);
console.log(JSON.stringify(summary));
process.exit(0);

async function attempt<T>(run: () => Promise<T>): Promise<T | { failed: string }> {
  try {
    return await run();
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    return { failed: String(error instanceof Error ? error.message : error) };
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
