import type { CatchupParams, ConnectionsParams, FanoutParams, OneToOneParams, ScenarioName } from "./loadgen/job.ts";

/** What each scenario runs with, for the full run and for the quick run (about a minute). */
export interface Plan {
  scenarios: {
    "one-to-one": OneToOneParams;
    "cross-server": OneToOneParams;
    connections: ConnectionsParams;
    fanout: FanoutParams;
    catchup: CatchupParams;
  };
  /** Scenarios run by default. */
  run: ScenarioName[];
  /** Longest one load generator may take before it is killed. */
  jobTimeoutSeconds: number;
}

const FULL_ONE_TO_ONE: OneToOneParams = {
  pairs: 50,
  stepSeconds: 3,
  halfRateSeconds: 5,
  textBytes: 64,
  latencyBudgetMs: 100,
  stallMs: 1000,
  drainTimeoutMs: 20_000,
  search: { startRate: 2000, growth: 1.5, refineSteps: 3, maxRate: 1_000_000, minRate: 50 },
  // Below every target's maximum on this 2-core machine when it is quiet (the app's: 26,000–62,000 msgs/s in bench:quick).
  cpuStep: { ratePerSec: 20_000, seconds: 5 },
};

export const FULL: Plan = {
  scenarios: {
    "one-to-one": FULL_ONE_TO_ONE,
    // The same pairs and search as scenario 1, so the figures compare; 100 sign-ups over HTTP (argon2) take a few seconds.
    "cross-server": FULL_ONE_TO_ONE,
    connections: { connections: 10_000, devicesPerAccount: 1, concurrency: 200, idleSeconds: 3 },
    fanout: {
      ...FULL_ONE_TO_ONE,
      // Each message is a burst of 999 frames that the one load generator takes ~10 ms to read: latency here
      // is mostly that burst, so the budget only catches a backlog that grows (about 8% over capacity in a 3 s step).
      latencyBudgetMs: 250,
      members: 1000,
      senders: 10,
      search: { startRate: 20, growth: 1.5, refineSteps: 3, maxRate: 10_000, minRate: 1 },
    },
    catchup: { backlog: 100_000, window: 1000 },
  },
  run: ["one-to-one", "cross-server", "connections", "fanout", "catchup"],
  jobTimeoutSeconds: 900,
};

/** One-to-one only, with short steps and a coarser search, to fit three targets in about a minute. */
const QUICK_ONE_TO_ONE: OneToOneParams = {
  ...FULL_ONE_TO_ONE,
  pairs: 20,
  stepSeconds: 1,
  halfRateSeconds: 1.5,
  cpuStep: { ratePerSec: 20_000, seconds: 2 },
  stallMs: 400,
  drainTimeoutMs: 3000,
  search: { startRate: 8000, growth: 2, refineSteps: 2, maxRate: 1_000_000, minRate: 250 },
};

export const QUICK: Plan = {
  ...FULL,
  // Cross-server is not in the quick run; `--quick --only=cross-server` gets the same short steps.
  scenarios: { ...FULL.scenarios, "one-to-one": QUICK_ONE_TO_ONE, "cross-server": QUICK_ONE_TO_ONE },
  run: ["one-to-one"],
  jobTimeoutSeconds: 35,
};
