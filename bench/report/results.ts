import type { CrossServerSetup, ScenarioName, TargetName } from "../loadgen/job.ts";
import type { catchup } from "../loadgen/scenarios/catchup.ts";
import type { connections } from "../loadgen/scenarios/connections.ts";
import type { fanout } from "../loadgen/scenarios/fanout.ts";
import type { oneToOne } from "../loadgen/scenarios/one-to-one.ts";

/** The shape of bench/results/*.json. */

export type OneToOneResult = Awaited<ReturnType<typeof oneToOne>>;
export type ConnectionsResult = Awaited<ReturnType<typeof connections>>;
export type FanoutResult = Awaited<ReturnType<typeof fanout>>;
export type CatchupResult = Awaited<ReturnType<typeof catchup>>;

export type Outcome<T> = T | { skipped: string } | { failed: string };

export interface ScenarioResultTypes {
  "one-to-one": OneToOneResult;
  "cross-server": OneToOneResult;
  connections: ConnectionsResult;
  fanout: FanoutResult;
  catchup: CatchupResult;
}

/** What each scenario runs against: the app and the two relays, or (cross-server) the app deployed on PostgreSQL and Redis. */
export interface ScenarioRunsAgainst {
  "one-to-one": TargetName;
  "cross-server": CrossServerSetup;
  connections: TargetName;
  fanout: TargetName;
  catchup: TargetName;
}

export type ScenarioResults = { [K in ScenarioName]: Partial<Record<ScenarioRunsAgainst[K], Outcome<ScenarioResultTypes[K]>>> };

export function emptyResults(): ScenarioResults {
  return { "one-to-one": {}, "cross-server": {}, connections: {}, fanout: {}, catchup: {} };
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGB: number;
  os: string;
  bun: string;
  node: string;
}

export interface Report {
  kind: "full" | "quick";
  startedAt: string;
  seconds: number;
  machine: Machine;
  scenarios: ScenarioResults;
  summary: Summary;
  /** With --profile: where the app's main thread spent the measured phase of each scenario. */
  profiles?: Partial<Record<ScenarioName, AppProfile>>;
}

export type AppProfile = { file: string; top: string[] } | { failed: string };

/** The headline figures; `bench:quick` prints this as its last line. */
export interface Summary {
  app_msgs_per_s: number | null;
  ceiling_msgs_per_s: number | null;
  peer_msgs_per_s: number | null;
  ratio_to_ceiling: number | null;
  ratio_to_peer: number | null;
  /** App latency at half its best sustained rate. */
  p50_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  /** App messages never delivered, over every step of scenario 1 (overloaded steps included). */
  lost: number | null;
  duplicated: number | null;
  [extra: string]: number | null;
}

export function succeeded<T extends object>(outcome: Outcome<T> | undefined): T | null {
  return outcome && !("skipped" in outcome) && !("failed" in outcome) ? (outcome as T) : null;
}

export const SCENARIO_TITLES: Record<ScenarioName, string> = {
  "one-to-one": "1. One-to-one throughput",
  "cross-server": "1b. One-to-one across two servers (PostgreSQL + Redis)",
  connections: "2. Idle authenticated connections",
  fanout: "3. Group fan-out",
  catchup: "4. Catch-up of an offline device",
};
