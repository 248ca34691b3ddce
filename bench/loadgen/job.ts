import type { DayParams } from "../capacity/day-traffic.ts";
import type { SearchPlan } from "./open-loop.ts";

/** What the runner asks one load generator process to do, passed as JSON on its command line. */

export type TargetName = "app" | "ceiling" | "peer";
export type ScenarioName = "one-to-one" | "cross-server" | "connections" | "fanout" | "catchup";
/** How the app is deployed in the cross-server scenario: both on PostgreSQL + Redis. */
export type CrossServerSetup = "one-server" | "two-servers";

export interface ServerRef {
  baseUrl: string;
  /** Process id of the server, for its memory and CPU. */
  pid: number;
}

export interface TargetRef extends ServerRef {
  name: TargetName;
  protocol: "app" | "relay";
  /**
   * Every server of a deployment of several sharing one store and bus (the
   * first is `baseUrl`/`pid`); user i connects to server i mod n. Absent for one server.
   */
  servers?: ServerRef[];
  /** The target keeps its data in PostgreSQL and Redis, whose processes' CPU then counts as its services'. */
  sharedServices?: boolean;
  /** The app's SQLite directory (the bench seeds large sets of accounts there). */
  dataDir?: string;
  /** Set when the server profiles itself between two SIGUSR2 (bench/profile/on-signal.ts) into this file. */
  profileFile?: string;
}

/** How each step of a rate search is run and judged. */
export interface StepPlan {
  stepSeconds: number;
  textBytes: number;
  latencyBudgetMs: number;
  stallMs: number;
  drainTimeoutMs: number;
  search: SearchPlan;
}

export interface OneToOneParams extends StepPlan {
  pairs: number;
  /** Length of the run at half the best rate, where latency percentiles are taken. */
  halfRateSeconds: number;
  /**
   * A step at one fixed offered rate that every target sustains, the same for all, where CPU per
   * delivered message is measured: a cost at equal load, steadier than the maximum rate.
   */
  cpuStep: { ratePerSec: number; seconds: number };
  /** Only the warm-up and the CPU step: no search, no half rate (`bench/run.ts --cpu-only`, for A/B runs of a change's CPU cost). */
  cpuOnly?: boolean;
}

export interface ConnectionsParams {
  connections: number;
  /** Connections (devices) per account; the app allows 10 devices per account by default. */
  devicesPerAccount: number;
  concurrency: number;
  idleSeconds: number;
}

export interface FanoutParams extends StepPlan {
  members: number;
  senders: number;
}

export interface CatchupParams {
  backlog: number;
  /** Sends in flight while filling the backlog. */
  window: number;
}

export type LoadgenJob =
  | { scenario: "one-to-one"; target: TargetRef; params: OneToOneParams }
  | { scenario: "cross-server"; target: TargetRef; params: OneToOneParams }
  | { scenario: "connections"; target: TargetRef; params: ConnectionsParams }
  | { scenario: "fanout"; target: TargetRef; params: FanoutParams }
  | { scenario: "catchup"; target: TargetRef; params: CatchupParams }
  | { scenario: "day"; target: TargetRef; params: DayParams };
