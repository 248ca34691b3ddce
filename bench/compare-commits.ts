/**
 * One-to-one throughput of two versions of the app in the same run: a base revision, checked out
 * into a temporary `git worktree`, against the working tree (or a second revision). Each tree runs
 * its own `bun bench/run.ts --quick --only=one-to-one --targets=app`, alternately (A/B/A/B…), and
 * the last line of each run (its JSON summary) gives `app_msgs_per_s`.
 *
 *   bun run bench:compare -- <base-rev> [<after-rev>]
 * Options: --runs=N (runs of each, default 3)  --full (the full run's one-to-one: 3 s steps, finer
 *          search; about 3 times as long)  --profile (pass --profile on; the profiles are kept in
 *          bench/results/ as compare-<time>-<before|after>-<n>.cpuprofile)
 *          --cpu (only the CPU step at a fixed rate, no search: compares CPU per message, all threads
 *          and the writer thread; about 20 s a run)  --cpu-rate=N, --cpu-seconds=S (that step's offered msgs/s and length)
 *          --quiet-wait=S (before each run, wait up to S seconds, default 120, for the machine to be
 *          idle: other processes under a quarter of a core for 3 s; 0: do not wait)
 *
 * A run during which other processes used more than a quarter of a core on average is marked noisy;
 * with any noisy run the comparison says it is not conclusive (the machine is shared).
 *
 * The working tree is copied first (tracked and untracked files, not ignored ones) into a temporary
 * directory, so edits made while the comparison runs do not change the "after" half-way. Each copy
 * gets `bun install --frozen-lockfile`. Prints a table and, on the last line, one JSON object;
 * writes it to bench/results/compare-<time>.json. The copies and the worktree are removed afterwards.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dir, "..");
const RESULTS_DIR = join(ROOT, "bench/results");

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "3" },
    full: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    cpu: { type: "boolean", default: false },
    "cpu-rate": { type: "string" },
    "cpu-seconds": { type: "string" },
    "quiet-wait": { type: "string", default: "120" },
  },
});
if (positionals.length < 1 || positionals.length > 2) fail("usage: bun run bench:compare -- <base-rev> [<after-rev>] [--runs=N] [--full] [--profile]");
const runs = Number(options.runs);
const quietWaitSeconds = Number(options["quiet-wait"]);
/** As the runner: a step during which other processes used more than a quarter of a core is suspect. */
const NOISY_CORES = 0.25;
if (!Number.isInteger(runs) || runs < 1) fail("--runs must be a whole number ≥ 1");

interface Tree {
  label: "before" | "after";
  /** A commit, or "working tree" */
  describe: string;
  dir: string;
  worktree: boolean;
}

interface RunResult {
  tree: "before" | "after";
  order: number;
  seconds: number;
  summary: Record<string, unknown>;
  app_msgs_per_s: number | null;
  /** Cores used by other processes during the best step, and on average over every step: the machine is shared. */
  other_cores_at_best: number | null;
  other_cores_mean: number | null;
  /** Other processes used more than NOISY_CORES on average over the run's steps. */
  noisy: boolean;
  /** Seconds waited for the machine to be idle before the run. */
  waited_s: number;
  /**
   * The app's CPU (all its threads) per delivered message at each sustained step, by offered rate.
   * The climb offers the same rates in both trees, so these compare the cost of a message at equal load.
   */
  cpu_us_per_msg_by_rate: Record<string, number>;
  /** At the fixed-rate CPU step (every run offers the same rate): the app's CPU per message, all threads and the writer's. */
  cpu_us_per_msg: number | null;
  writer_cpu_us_per_msg: number | null;
}

const started = performance.now();
const startedAt = new Date().toISOString();
const stamp = startedAt.replace(/[:.]/g, "-").slice(0, 19);
const tempRoot = await mkdtemp(join(tmpdir(), "chat-compare-"));
const trees: Tree[] = [];
let child: Bun.Subprocess | undefined;

async function cleanUp(): Promise<void> {
  for (const tree of trees) {
    if (tree.worktree) git(["worktree", "remove", "--force", tree.dir], { allowFailure: true });
  }
  git(["worktree", "prune"], { allowFailure: true });
  await rm(tempRoot, { recursive: true, force: true });
}
// Ctrl-C stops the run in progress (its runner kills the app and the load generator) and no other
// starts; the worktree and copies are then removed as after the last run. A second Ctrl-C exits at once.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress("interrupted: stopping the run, then removing the worktree and copies");
    child?.kill("SIGINT");
  });
}

const results: RunResult[] = [];
let snapshotHash: string | null = null;
try {
  const base = resolveCommit(positionals[0]!);
  trees.push(await checkout("before", base));
  if (positionals[1]) {
    trees.push(await checkout("after", resolveCommit(positionals[1])));
  } else {
    const { dir, hash } = await snapshotWorkingTree(join(tempRoot, "after"));
    snapshotHash = hash;
    trees.push({ label: "after", describe: `working tree on ${git(["rev-parse", "--short", "HEAD"])} (snapshot ${hash})`, dir, worktree: false });
  }
  for (const tree of trees) {
    progress(`${tree.label}: ${tree.describe} in ${tree.dir}`);
    install(tree);
  }
  for (let order = 0; order < runs * 2 && !interrupted; order++) {
    const tree = trees[order % 2]!;
    const result = await runOnce(tree, Math.floor(order / 2) + 1, order + 1);
    if (interrupted) break;
    results.push(result);
    progress(
      `run ${order + 1}/${runs * 2} ${tree.label}: ${result.app_msgs_per_s ?? "failed"} msgs/s (other processes: ${result.other_cores_at_best ?? "?"} cores at the best step, ${result.other_cores_mean ?? "?"} over all steps)`,
    );
  }
} finally {
  await cleanUp();
}
if (interrupted) process.exit(130);

const figures = (label: "before" | "after", pick: (run: RunResult) => number | null) =>
  results.filter((run) => run.tree === label).map(pick).filter((value): value is number => value !== null);
const before = figures("before", (run) => run.app_msgs_per_s);
const after = figures("after", (run) => run.app_msgs_per_s);
const beforeMedian = median(before);
const afterMedian = median(after);
const ratio = beforeMedian && afterMedian ? round(afterMedian / beforeMedian, 3) : null;
// The highest offered rate that every run sustained: CPU per message there, at equal load in both trees.
const commonRates = Object.keys(results[0]?.cpu_us_per_msg_by_rate ?? {}).filter((rate) => results.every((run) => rate in run.cpu_us_per_msg_by_rate));
const cpuRate = commonRates.length > 0 ? commonRates.sort((a, b) => Number(b) - Number(a))[0]! : null;
const cpuAt = (run: RunResult) => (cpuRate === null ? null : (run.cpu_us_per_msg_by_rate[cpuRate] ?? null));
const cpuBefore = median(figures("before", cpuAt));
const cpuAfter = median(figures("after", cpuAt));
// Runs alternate, so each after run has a before run next to it: the ratio of each pair follows the machine's pace less than medians do.
const pairRatios = (pick: (run: RunResult) => number | null) => {
  const ratios: number[] = [];
  for (let i = 0; i + 1 < results.length; i += 2) {
    const [a, b] = [pick(results[i]!), pick(results[i + 1]!)];
    if (a && b) ratios.push(round(b / a, 3));
  }
  return ratios;
};
const fixedBefore = median(figures("before", (run) => run.cpu_us_per_msg));
const fixedAfter = median(figures("after", (run) => run.cpu_us_per_msg));
const cpuPairRatios = pairRatios((run) => run.cpu_us_per_msg);
const writerPairRatios = pairRatios((run) => run.writer_cpu_us_per_msg);
const conclusive = results.length === runs * 2 && results.every((run) => !run.noisy && run.app_msgs_per_s !== null);
const summary = {
  before: trees[0]?.describe ?? positionals[0],
  after: trees[1]?.describe ?? positionals[1] ?? "working tree",
  mode: options.full ? "full" : "quick",
  runs_each: runs,
  before_msgs_per_s: before,
  after_msgs_per_s: after,
  before_median_msgs_per_s: beforeMedian,
  after_median_msgs_per_s: afterMedian,
  ratio_after_to_before: ratio,
  cost_share: ratio === null ? null : round(1 - ratio, 3),
  /** Null when the comparison is not conclusive (a noisy or failed run). */
  within_10_percent: ratio === null || !conclusive ? null : ratio >= 0.9,
  cpu_rate_msgs_per_s: cpuRate === null ? null : Number(cpuRate),
  before_cpu_us_per_msg: cpuBefore,
  after_cpu_us_per_msg: cpuAfter,
  cpu_ratio_after_to_before: cpuBefore && cpuAfter ? round(cpuAfter / cpuBefore, 3) : null,
  fixed_rate_before_cpu_us_per_msg: figures("before", (run) => run.cpu_us_per_msg),
  fixed_rate_after_cpu_us_per_msg: figures("after", (run) => run.cpu_us_per_msg),
  fixed_rate_before_writer_cpu_us_per_msg: figures("before", (run) => run.writer_cpu_us_per_msg),
  fixed_rate_after_writer_cpu_us_per_msg: figures("after", (run) => run.writer_cpu_us_per_msg),
  fixed_rate_cpu_ratio_after_to_before: fixedBefore && fixedAfter ? round(fixedAfter / fixedBefore, 3) : null,
  fixed_rate_cpu_pair_ratios: cpuPairRatios,
  fixed_rate_cpu_pair_ratio_median: median(cpuPairRatios),
  fixed_rate_writer_cpu_pair_ratios: writerPairRatios,
  fixed_rate_writer_cpu_pair_ratio_median: median(writerPairRatios),
  other_cores_at_best: results.map((run) => run.other_cores_at_best),
  other_cores_mean: results.map((run) => run.other_cores_mean),
  noisy_runs: results.filter((run) => run.noisy).length,
  conclusive,
};
const seconds = Math.round(performance.now() - started) / 1000;
const path = join(RESULTS_DIR, `compare-${stamp}.json`);
await mkdir(RESULTS_DIR, { recursive: true });
await Bun.write(path, `${JSON.stringify({ kind: "compare", startedAt, seconds, snapshotHash, runs: results, summary }, null, 2)}\n`);

console.log(`One-to-one (${options.full ? "full" : "quick"}), app only, ${runs} runs each, alternating`);
console.log(`  before: ${summary.before}\n  after:  ${summary.after}`);
console.log(`${"run".padEnd(6)}${"tree".padEnd(8)}${"msgs/s".padStart(10)}${"other cores: at best / mean".padStart(30)}${`CPU µs/msg at ${cpuRate ?? "—"}/s`.padStart(28)}`);
for (const run of results) {
  console.log(
    `${String(run.order).padEnd(6)}${run.tree.padEnd(8)}${String(run.app_msgs_per_s ?? "failed").padStart(10)}${`${run.other_cores_at_best ?? "—"} / ${run.other_cores_mean ?? "—"}`.padStart(30)}${String(cpuAt(run) ?? "—").padStart(28)}`,
  );
}
console.log(`median msgs/s: before ${beforeMedian ?? "—"}, after ${afterMedian ?? "—"}; after / before = ${ratio ?? "—"}`);
console.log(`median CPU µs per message at ${cpuRate ?? "—"}/s (the highest rate every run sustained): before ${cpuBefore ?? "—"}, after ${cpuAfter ?? "—"}`);
console.log(
  `CPU µs per message at the fixed-rate step, all threads: before ${summary.fixed_rate_before_cpu_us_per_msg.join(" / ") || "—"}, after ${summary.fixed_rate_after_cpu_us_per_msg.join(" / ") || "—"}; ` +
    `after / before by pair ${cpuPairRatios.join(" / ") || "—"} (median ${summary.fixed_rate_cpu_pair_ratio_median ?? "—"})`,
);
console.log(
  `  of which the writer thread: before ${summary.fixed_rate_before_writer_cpu_us_per_msg.join(" / ") || "—"}, after ${summary.fixed_rate_after_writer_cpu_us_per_msg.join(" / ") || "—"}; ` +
    `by pair ${writerPairRatios.join(" / ") || "—"} (median ${summary.fixed_rate_writer_cpu_pair_ratio_median ?? "—"})`,
);
if (ratio !== null && conclusive) {
  console.log(ratio >= 0.9 ? "The after version keeps at least 90% of the before version's throughput." : `The after version LOSES ${Math.round((1 - ratio) * 100)}% of the throughput (limit: 10%).`);
}
if (!conclusive) {
  console.log(
    `NOT CONCLUSIVE: ${summary.noisy_runs} of ${results.length} runs had other processes using more than ${NOISY_CORES} of a core on average (or a run failed); run it again when the machine is quiet.`,
  );
}
console.log(`\nReport: bench/results/${path.split("/").at(-1)}  (${seconds} s)`);
console.log(JSON.stringify(summary));

// ---------------------------------------------------------------------------------------------

async function runOnce(tree: Tree, n: number, order: number): Promise<RunResult> {
  const args = [process.execPath, "bench/run.ts", "--only=one-to-one", "--targets=app"];
  if (!options.full) args.push("--quick");
  if (options.profile) args.push("--profile");
  if (options.cpu) args.push("--cpu-only");
  if (options["cpu-rate"]) args.push(`--cpu-rate=${options["cpu-rate"]}`);
  if (options["cpu-seconds"]) args.push(`--cpu-seconds=${options["cpu-seconds"]}`);
  const waited = await waitForQuiet(quietWaitSeconds);
  progress(`run ${order}/${runs * 2}: ${tree.label} #${n}: ${args.slice(1).join(" ")}${waited > 0 ? ` (waited ${waited} s for the machine to be idle)` : ""}`);
  const t0 = performance.now();
  const proc = Bun.spawn(args, { cwd: tree.dir, stdout: "pipe", stderr: "inherit" });
  child = proc;
  const [output] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  child = undefined;
  const lines = output.trim().split("\n");
  let summary: Record<string, unknown> = {};
  try {
    summary = JSON.parse(lines.at(-1) ?? "{}");
  } catch {
    console.error(`the run printed no JSON last line:\n${output}`);
  }
  const result: RunResult = {
    tree: tree.label,
    order,
    seconds: Math.round(performance.now() - t0) / 1000,
    summary,
    app_msgs_per_s: typeof summary.app_msgs_per_s === "number" ? summary.app_msgs_per_s : null,
    other_cores_at_best: null,
    other_cores_mean: null,
    noisy: false,
    waited_s: waited,
    cpu_us_per_msg_by_rate: {},
    cpu_us_per_msg: typeof summary.app_cpu_us_per_msg === "number" ? summary.app_cpu_us_per_msg : null,
    writer_cpu_us_per_msg: typeof summary.app_writer_cpu_us_per_msg === "number" ? summary.app_writer_cpu_us_per_msg : null,
  };
  // The full report of the run, for the step figures the summary leaves out.
  const report = join(tree.dir, "bench/results/latest.json");
  if (existsSync(report)) {
    const app = (await Bun.file(report).json())?.scenarios?.["one-to-one"]?.app;
    result.other_cores_at_best = (options.cpu ? app?.atFixedRate : app?.best)?.otherCores ?? null;
    // With --cpu there is no search: the CPU step is the run's only measured step.
    const steps: Array<{ otherCores: number }> = options.cpu ? [app?.atFixedRate].filter(Boolean) : (app?.steps ?? []);
    if (steps.length > 0) result.other_cores_mean = round(steps.reduce((sum, step) => sum + step.otherCores, 0) / steps.length, 2);
    result.noisy = (result.other_cores_mean ?? 0) > NOISY_CORES;
    for (const step of app?.steps ?? []) {
      if (step.sustained && step.deliveredPerSec > 0) {
        result.cpu_us_per_msg_by_rate[String(step.offeredPerSec)] = round((step.targetCores / step.deliveredPerSec) * 1e6, 1);
      }
    }
    await rm(report);
  }
  if (options.profile) {
    for (const file of await readdir(join(tree.dir, "bench/results"))) {
      if (!file.endsWith(".cpuprofile")) continue;
      await copyFile(join(tree.dir, "bench/results", file), join(RESULTS_DIR, `compare-${stamp}-${tree.label}-${n}.cpuprofile`));
      await rm(join(tree.dir, "bench/results", file));
    }
  }
  return result;
}

/** Busy cores of the whole machine over `ms`, from /proc/stat; between runs, that is other processes. */
async function busyCores(ms: number): Promise<number> {
  const sample = async () => {
    const fields = (await Bun.file("/proc/stat").text()).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3]! + (fields[4] ?? 0);
    return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
  };
  const a = await sample();
  await Bun.sleep(ms);
  const b = await sample();
  const total = b.total - a.total;
  return total > 0 ? ((total - (b.idle - a.idle)) / total) * navigator.hardwareConcurrency : 0;
}

/** Waits until other processes use under NOISY_CORES for 3 s in a row, at most `seconds`; returns the seconds waited. */
async function waitForQuiet(seconds: number): Promise<number> {
  if (seconds <= 0) return 0;
  const t0 = performance.now();
  let quiet = 0;
  while (quiet < 3 && performance.now() - t0 < seconds * 1000 && !interrupted) {
    quiet = (await busyCores(1000)) < NOISY_CORES ? quiet + 1 : 0;
  }
  // The 3 quiet seconds themselves are not counted as waiting.
  return Math.max(0, Math.round((performance.now() - t0) / 1000) - 3);
}

function resolveCommit(rev: string): string {
  return git(["rev-parse", "--verify", `${rev}^{commit}`]);
}

async function checkout(label: "before" | "after", commit: string): Promise<Tree> {
  const dir = join(tempRoot, label);
  const tree: Tree = { label, describe: `${commit.slice(0, 7)} (${git(["log", "-1", "--format=%s", commit])})`, dir, worktree: true };
  git(["worktree", "add", "--detach", dir, commit]);
  return tree;
}

/** Copies every tracked and untracked (not ignored) file of the working tree; the hash names its content. */
async function snapshotWorkingTree(dir: string): Promise<{ dir: string; hash: string }> {
  const files = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).split("\0").filter(Boolean).sort();
  const hash = createHash("sha256");
  for (const file of new Set(files)) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(from, join(dir, file));
    hash.update(file).update("\0").update(await Bun.file(from).bytes());
  }
  return { dir, hash: hash.digest("hex").slice(0, 12) };
}

function install(tree: Tree): void {
  const result = Bun.spawnSync([process.execPath, "install", "--frozen-lockfile"], { cwd: tree.dir, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`bun install --frozen-lockfile failed in ${tree.label}:\n${result.stderr.toString()}`);
}

function git(args: string[], { allowFailure = false } = {}): string {
  const result = Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0 && !allowFailure) throw new Error(`git ${args.join(" ")} failed: ${result.stderr.toString().trim()}`);
  return result.stdout.toString().trim();
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : round((sorted[middle - 1]! + sorted[middle]!) / 2, 1);
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

function progress(line: string): void {
  console.error(`[compare ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
