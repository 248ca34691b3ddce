import type { ScenarioName, TargetName } from "../loadgen/job.ts";
import { type OneToOneResult, type Outcome, type Report, SCENARIO_TITLES, type ScenarioResultTypes, succeeded } from "./results.ts";

const TARGETS: TargetName[] = ["app", "ceiling", "peer"];
/** Scenarios whose columns are the app and the two relays. */
type TargetScenario = Exclude<ScenarioName, "cross-server">;

interface Row<T extends object> {
  label: string;
  value(result: T, column: string): string | number | null | undefined;
}

/** One column of a block: its heading and what ran there. */
type Column<T extends object> = [heading: string, outcome: Outcome<T> | undefined];

/** The report as a plain-text table, one block per scenario that ran. */
export function renderTable(report: Report): string {
  const { scenarios } = report;
  const byTarget = <K extends TargetScenario>(name: K): Column<ScenarioResultTypes[K]>[] =>
    TARGETS.map((target) => [target, (scenarios[name] as Partial<Record<TargetName, Outcome<ScenarioResultTypes[K]>>>)[target]]);
  const throughputBest = (target: TargetName) => succeeded(scenarios["one-to-one"][target])?.maxSustainedPerSec;
  const appBest = throughputBest("app");
  const twoServersBest = succeeded(scenarios["cross-server"]["two-servers"])?.maxSustainedPerSec;
  const cores = (r: OneToOneResult) => (r.best ? `${r.best.targetCores} / ${r.best.serviceCores} / ${r.best.loadgenCores} / ${r.best.otherCores}` : null);
  const blocks = [
    block(SCENARIO_TITLES["one-to-one"], byTarget("one-to-one"), [
      { label: "max sustained delivered msgs/s", value: (r) => r.maxSustainedPerSec },
      { label: "app as a share of it", value: (r, t) => (t === "app" || !appBest ? "" : `${((appBest / r.maxSustainedPerSec) * 100).toFixed(0)}%`) },
      ...latencyRows,
      { label: "lost / duplicated (all steps)", value: (r) => `${r.lost} / ${r.duplicated}` },
      { label: "cores at max: target / loadgen / other", value: (r) => (r.best ? `${r.best.targetCores} / ${r.best.loadgenCores} / ${r.best.otherCores}` : null) },
      ...cpuRows,
      { label: "first failed step", value: (r) => r.steps.find((step) => !step.sustained)?.verdict.slice(0, 40) },
    ]),
    // The SQLite column is scenario 1's app, beside the same scenario on PostgreSQL + Redis.
    Object.keys(scenarios["cross-server"]).length === 0
      ? ""
      : block(SCENARIO_TITLES["cross-server"], [
          ["SQLite, 1 server", scenarios["one-to-one"].app],
          ["PG+Redis, 1 server", scenarios["cross-server"]["one-server"]],
          ["PG+Redis, 2 servers", scenarios["cross-server"]["two-servers"]],
        ], [
          { label: "max sustained delivered msgs/s", value: (r) => r.maxSustainedPerSec },
          {
            label: "2 servers as a share of it",
            value: (r, column) => (column.endsWith("2 servers") || !twoServersBest ? "" : `${((twoServersBest / r.maxSustainedPerSec) * 100).toFixed(0)}%`),
          },
          ...latencyRows,
          { label: "lost / duplicated (all steps)", value: (r) => `${r.lost} / ${r.duplicated}` },
          { label: "cores at max: servers / PG+Redis / loadgen / other", value: cores },
          { label: "first failed step", value: (r) => r.steps.find((step) => !step.sustained)?.verdict.slice(0, 40) },
        ]),
    block(SCENARIO_TITLES.connections, byTarget("connections"), [
      { label: "connections open", value: (r) => (r.failedConnects ? `${r.connections} (${r.failedConnects} failed)` : r.connections) },
      { label: "time to connect them all (s)", value: (r) => r.connectSeconds },
      { label: "memory per connection (KB)", value: (r) => (r.bytesPerConnection / 1024).toFixed(1) },
      { label: "idle baseline / connected (MB)", value: (r) => `${r.idleBaselineMB} / ${r.connectedMB}` },
    ]),
    block(SCENARIO_TITLES.fanout, byTarget("fanout"), [
      { label: "members", value: (r) => r.members },
      { label: "max sustained deliveries/s", value: (r) => r.maxDeliveriesPerSec },
      { label: "messages/s into the group", value: (r) => r.maxMessagesPerSec },
      { label: "latency p99 at max (ms)", value: (r) => r.best?.latencyMs.p99 },
      { label: "lost / duplicated", value: (r) => `${r.lost} / ${r.duplicated}` },
    ]),
    block(SCENARIO_TITLES.catchup, byTarget("catchup"), [
      { label: "backlog (messages)", value: (r) => r.backlog },
      { label: "time to drain it (s)", value: (r) => r.drainSeconds },
      { label: "drained msgs/s", value: (r) => r.drainedPerSec },
      { label: "lost / duplicated / out of order", value: (r) => `${r.lost} / ${r.duplicated} / ${r.outOfOrder}` },
      { label: "stored msgs/s while filling", value: (r) => r.storedPerSec },
    ]),
  ];
  return blocks.filter(Boolean).join("\n\n");
}

/** CPU per message at the fixed rate every target is offered (`cpuStep`); the app's SQLite writer thread is a `Worker`. */
const cpuRows: Row<OneToOneResult>[] = [
  { label: "CPU µs/msg at a fixed rate (all threads)", value: (r) => r.atFixedRate && `${r.atFixedRate.cpuUsPerMsg} at ${r.atFixedRate.offeredPerSec}/s${r.atFixedRate.sustained ? "" : " ✗"}` },
  { label: "of which the writer thread (µs/msg)", value: (r, t) => (t === "app" ? r.atFixedRate?.workerCpuUsPerMsg : "") },
];

const latencyRows: Row<OneToOneResult>[] = [
  { label: "latency p50 at half rate (ms)", value: (r) => r.atHalfRate?.latencyMs.p50 },
  { label: "latency p99 at half rate (ms)", value: (r) => r.atHalfRate?.latencyMs.p99 },
  { label: "latency p99.9 at half rate (ms)", value: (r) => r.atHalfRate?.latencyMs.p999 },
];

function block<T extends object>(title: string, columns: Column<T>[], rows: Row<T>[]): string {
  if (columns.every(([, outcome]) => !outcome)) return "";
  const cell = ([heading, outcome]: Column<T>, row: Row<T>) => {
    if (!outcome) return "—";
    if ("skipped" in outcome) return "n/a";
    if ("failed" in outcome) return "failed";
    const value = row.value(outcome as T, heading);
    return value === null || value === undefined ? "—" : String(value);
  };
  const table = [["", ...columns.map(([heading]) => heading)], ...rows.map((row) => [row.label, ...columns.map((column) => cell(column, row))])];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const lines = table.map((line) => line.map((text, column) => (column === 0 ? text.padEnd(widths[0]!) : text.padStart(widths[column]!))).join("  "));
  const notes = columns.flatMap(([heading, outcome]) => {
    if (outcome && "skipped" in outcome) return [`  ${heading}: skipped, ${outcome.skipped}`];
    if (outcome && "failed" in outcome) return [`  ${heading}: failed, ${outcome.failed.split("\n")[0]} (details in the JSON report)`];
    return [];
  });
  return [title, ...lines, ...notes].join("\n");
}
