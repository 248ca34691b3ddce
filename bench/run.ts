/**
 * Runs the benchmark: each scenario against the app, the Bun ceiling and the
 * Node peer, one server and one load generator process at a time (the
 * cross-server scenario: the app as one and as two servers on PostgreSQL and
 * Redis). Writes a
 * JSON report and an SVG chart under bench/results/, prints a table, and
 * prints the headline figures as one JSON object on the last line.
 *
 *   bun run bench            every scenario (minutes)
 *   bun run bench:quick      one-to-one only, about a minute
 * Options: --only=one-to-one,cross-server,connections,fanout,catchup  --targets=app,ceiling,peer
 *          --binary (run ./chat-server)  --profile (CPU profile of the app over each scenario's measured phase)
 *          --connections=N (scenario 2 size)  --cpu-only (one-to-one: only the CPU step at a fixed rate, no search)
 *          --cpu-rate=N, --cpu-seconds=S (that step's offered msgs/s and length; 20,000/s, 2 s quick and 5 s full)
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { arch, cpus, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LoadgenJob, ScenarioName, TargetName } from "./loadgen/job.ts";
import { runLoadgen } from "./loadgen/spawn.ts";
import { FULL, type Plan, QUICK } from "./plans.ts";
import { summarizeProfile } from "./profile/summarize.ts";
import { renderChart } from "./report/chart.ts";
import { type AppProfile, type Machine, type Outcome, type Report, emptyResults } from "./report/results.ts";
import { summarize } from "./report/summary.ts";
import { renderTable } from "./report/table.ts";
import { APP_ENTRY, type RunningTarget, killChildrenOnSignal, startAppOnSharedServices, startTarget } from "./targets.ts";

const BENCH_DIR = import.meta.dir;
const RESULTS_DIR = join(BENCH_DIR, "results");
const ALL_TARGETS: TargetName[] = ["app", "ceiling", "peer"];

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    targets: { type: "string" },
    binary: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    connections: { type: "string" },
    "cpu-only": { type: "boolean", default: false },
    "cpu-rate": { type: "string" },
    "cpu-seconds": { type: "string" },
  },
});

const plan: Plan = options.quick ? QUICK : FULL;
if (options.connections) plan.scenarios.connections = { ...plan.scenarios.connections, connections: Number(options.connections) };
// A measurement of CPU, not of speed: on a busy machine sign-ups (argon2) alone can take the quick run's limit.
if (options["cpu-only"]) plan.jobTimeoutSeconds = Math.max(plan.jobTimeoutSeconds, 120);
for (const name of ["one-to-one", "cross-server"] as const) {
  const params = plan.scenarios[name];
  const ratePerSec = options["cpu-rate"] ? Number(options["cpu-rate"]) : params.cpuStep.ratePerSec;
  const seconds = options["cpu-seconds"] ? Number(options["cpu-seconds"]) : params.cpuStep.seconds;
  plan.scenarios[name] = { ...params, cpuOnly: options["cpu-only"], cpuStep: { ratePerSec, seconds } };
}
const scenarios = (options.only?.split(",") ?? plan.run) as ScenarioName[];
const targets = (options.targets?.split(",") ?? ALL_TARGETS) as TargetName[];
for (const name of scenarios) if (!(name in plan.scenarios)) fail(`unknown scenario '${name}'`);
for (const name of targets) if (!ALL_TARGETS.includes(name)) fail(`unknown target '${name}'`);
if (!(Number(options["cpu-rate"] ?? 1) > 0)) fail("--cpu-rate must be a number of messages per second");
if (!(Number(options["cpu-seconds"] ?? 1) > 0)) fail("--cpu-seconds must be a number of seconds");
if (options.profile && options.binary) fail("--profile needs the app from its sources (it preloads bench/profile/on-signal.ts); drop --binary");

killChildrenOnSignal();

const started = performance.now();
const startedAt = new Date().toISOString();
const stamp = startedAt.replace(/[:.]/g, "-").slice(0, 19);
await mkdir(RESULTS_DIR, { recursive: true });
const report: Report = {
  kind: options.quick ? "quick" : "full",
  startedAt,
  seconds: 0,
  machine: await describeMachine(),
  scenarios: emptyResults(),
  summary: summarize(emptyResults()),
};

for (const scenario of scenarios) {
  for (const run of runsOf(scenario)) {
    progress(`${scenario} → ${run.label}`);
    const outcome = await runJob(scenario, run);
    (report.scenarios[scenario] as Record<string, Outcome<object>>)[run.key] = outcome;
    if ("skipped" in outcome) progress(`  skipped: ${outcome.skipped}`);
    if ("failed" in outcome) progress(`  failed: ${outcome.failed}`);
  }
}

report.seconds = Math.round(performance.now() - started) / 1000;
report.summary = summarize(report.scenarios);
const jsonPath = join(RESULTS_DIR, `${report.kind}-${stamp}.json`);
const chartPath = join(RESULTS_DIR, `${report.kind}-${stamp}.svg`);
await Bun.write(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
if (Object.keys(report.scenarios["one-to-one"]).length > 0) {
  const chart = renderChart(report);
  await Bun.write(chartPath, chart);
  await Bun.write(join(RESULTS_DIR, "latest.svg"), chart);
}
await Bun.write(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);

console.log(renderTable(report));
for (const [scenario, profile] of Object.entries(report.profiles ?? {})) {
  console.log(`\nApp CPU profile, ${scenario}: ${"top" in profile ? `${profile.file}\n${profile.top.join("\n")}` : profile.failed}`);
}
console.log(`\nReport: ${relative(jsonPath)}  Chart: ${existsSync(chartPath) ? relative(chartPath) : "—"}  (${report.seconds} s)`);
console.log(JSON.stringify(report.summary));

/** One deployment a scenario runs against, and where its result goes in the report. */
interface Run {
  key: string;
  label: string;
  target: TargetName;
  profileFile?: string;
  start(): Promise<RunningTarget>;
}

/** Each chosen target; for cross-server, the app on PostgreSQL and Redis as one server and as two (its CPU profile is not taken). */
function runsOf(scenario: ScenarioName): Run[] {
  if (scenario === "cross-server") {
    if (!targets.includes("app")) return [];
    const deployments = [["one-server", 1], ["two-servers", 2]] as const;
    return deployments.map(([key, count]) => ({
      key,
      label: `app, ${key.replace("-", " ")} on PostgreSQL + Redis`,
      target: "app",
      start: () => startAppOnSharedServices(count, { binary: options.binary }),
    }));
  }
  return targets.map((target) => {
    const profileFile = options.profile && target === "app" ? join(RESULTS_DIR, `app-${scenario}-${stamp}.cpuprofile`) : undefined;
    return { key: target, label: target, target, profileFile, start: () => startTarget(target, { binary: options.binary, profileFile }) };
  });
}

async function runJob(scenario: ScenarioName, run: Run): Promise<Outcome<object>> {
  if (run.target === "app" && !options.binary && !existsSync(APP_ENTRY)) return { skipped: "the app server (src/server/main.ts) does not exist yet" };
  const { profileFile } = run;
  let running: RunningTarget;
  try {
    running = await run.start();
  } catch (error) {
    return { failed: String(error instanceof Error ? error.message : error) };
  }
  try {
    const job = { scenario, target: running.ref, params: plan.scenarios[scenario] } as LoadgenJob;
    return (await runLoadgen(job, plan.jobTimeoutSeconds)) as Outcome<object>;
  } catch (error) {
    return { failed: `${error instanceof Error ? error.message : error}\n${running.output()}` };
  } finally {
    await running.stop();
    if (profileFile) (report.profiles ??= {})[scenario] = await collectProfile(profileFile);
  }
}

async function collectProfile(path: string): Promise<AppProfile> {
  if (!(await Bun.file(path).exists())) return { failed: `no profile was written to ${relative(path)}` };
  return { file: relative(path), top: summarizeProfile(await Bun.file(path).json()) };
}

async function describeMachine(): Promise<Machine> {
  const node = Bun.spawnSync([process.env.BENCH_NODE ?? "/usr/bin/node", "--version"]).stdout.toString().trim();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGB: Math.round(totalmem() / 2 ** 30),
    os: `Linux ${release()} ${arch()}`,
    bun: Bun.version,
    node: node.replace(/^v/, ""),
  };
}

function progress(line: string): void {
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
}

function relative(path: string): string {
  return path.replace(`${resolve(BENCH_DIR, "..")}/`, "");
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
