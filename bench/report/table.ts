import type { TargetName } from "../loadgen/job.ts";
import type { ScenarioName } from "../loadgen/job.ts";
import { type Outcome, type Report, SCENARIO_TITLES, type ScenarioResultTypes, type ScenarioResults, succeeded } from "./results.ts";

const TARGETS: TargetName[] = ["app", "ceiling", "peer"];

interface Row<T> {
  label: string;
  value(result: T, target: TargetName): string | number | null | undefined;
}

/** The report as a plain-text table, one block per scenario that ran. */
export function renderTable(report: Report): string {
  const { scenarios } = report;
  const throughputBest = (target: TargetName) => succeeded(scenarios["one-to-one"][target])?.maxSustainedPerSec;
  const appBest = throughputBest("app");
  const blocks = [
    block(scenarios, "one-to-one", [
      { label: "max sustained delivered msgs/s", value: (r) => r.maxSustainedPerSec },
      { label: "app as a share of it", value: (r, t) => (t === "app" || !appBest ? "" : `${((appBest / r.maxSustainedPerSec) * 100).toFixed(0)}%`) },
      { label: "latency p50 at half rate (ms)", value: (r) => r.atHalfRate?.latencyMs.p50 },
      { label: "latency p99 at half rate (ms)", value: (r) => r.atHalfRate?.latencyMs.p99 },
      { label: "latency p99.9 at half rate (ms)", value: (r) => r.atHalfRate?.latencyMs.p999 },
      { label: "lost / duplicated (all steps)", value: (r) => `${r.lost} / ${r.duplicated}` },
      { label: "cores at max: target / loadgen / other", value: (r) => (r.best ? `${r.best.targetCores} / ${r.best.loadgenCores} / ${r.best.otherCores}` : null) },
      { label: "first failed step", value: (r) => r.steps.find((step) => !step.sustained)?.verdict.slice(0, 40) },
    ]),
    block(scenarios, "connections", [
      { label: "connections open", value: (r) => (r.failedConnects ? `${r.connections} (${r.failedConnects} failed)` : r.connections) },
      { label: "time to connect them all (s)", value: (r) => r.connectSeconds },
      { label: "memory per connection (KB)", value: (r) => (r.bytesPerConnection / 1024).toFixed(1) },
      { label: "idle baseline / connected (MB)", value: (r) => `${r.idleBaselineMB} / ${r.connectedMB}` },
    ]),
    block(scenarios, "fanout", [
      { label: "members", value: (r) => r.members },
      { label: "max sustained deliveries/s", value: (r) => r.maxDeliveriesPerSec },
      { label: "messages/s into the group", value: (r) => r.maxMessagesPerSec },
      { label: "latency p99 at max (ms)", value: (r) => r.best?.latencyMs.p99 },
      { label: "lost / duplicated", value: (r) => `${r.lost} / ${r.duplicated}` },
    ]),
    block(scenarios, "catchup", [
      { label: "backlog (messages)", value: (r) => r.backlog },
      { label: "time to drain it (s)", value: (r) => r.drainSeconds },
      { label: "drained msgs/s", value: (r) => r.drainedPerSec },
      { label: "lost / duplicated / out of order", value: (r) => `${r.lost} / ${r.duplicated} / ${r.outOfOrder}` },
      { label: "stored msgs/s while filling", value: (r) => r.storedPerSec },
    ]),
  ];
  return blocks.filter(Boolean).join("\n\n");
}

function block<K extends ScenarioName>(scenarios: ScenarioResults, name: K, rows: Row<ScenarioResultTypes[K]>[]): string {
  const outcomes: Partial<Record<TargetName, Outcome<ScenarioResultTypes[K]>>> = scenarios[name];
  if (Object.keys(outcomes).length === 0) return "";
  const cell = (target: TargetName, row: (typeof rows)[number]) => {
    const outcome = outcomes[target];
    if (!outcome) return "—";
    if ("skipped" in outcome) return "n/a";
    if ("failed" in outcome) return "failed";
    const value = row.value(outcome as ScenarioResultTypes[K], target);
    return value === null || value === undefined ? "—" : String(value);
  };
  const table = [["", ...TARGETS], ...rows.map((row) => [row.label, ...TARGETS.map((target) => cell(target, row))])];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const lines = table.map((line) => line.map((text, column) => (column === 0 ? text.padEnd(widths[0]!) : text.padStart(widths[column]!))).join("  "));
  const notes = TARGETS.flatMap((target) => {
    const outcome = outcomes[target];
    if (outcome && "skipped" in outcome) return [`  ${target}: skipped, ${outcome.skipped}`];
    if (outcome && "failed" in outcome) return [`  ${target}: failed, ${outcome.failed.split("\n")[0]} (details in the JSON report)`];
    return [];
  });
  return [SCENARIO_TITLES[name], ...lines, ...notes].join("\n");
}
