import { FULL, QUICK } from "../plans.ts";
import type { OneToOneParams } from "../loadgen/job.ts";
import type { DayParams } from "./day-traffic.ts";
import type { GraphSpec } from "./social-graph.ts";

/** Sizes of the capacity scenarios (issue 17): the full run, and the quick one at a tenth. */
export interface CapacityPlan {
  kind: "full" | "quick";
  idle: {
    connections: number;
    /** The app allows 10 devices per account by default: fewer accounts to seed for the same connections. */
    devicesPerAccount: number;
    /** Upgrades in flight at once. */
    concurrency: number;
    /** How long every connection is held idle, heartbeats included. */
    idleSeconds: number;
    /** The app's --dead-after-seconds: it pings every third of it. */
    deadAfterSeconds: number;
  };
  growth: {
    /** Messages stored besides the resume backlog, one fresh store per size. */
    sizes: number[];
    /** Messages the far-behind device resumes. */
    resumeBacklog: number;
    /** Background users, each starting `partnersPerUser` direct conversations. */
    users: number;
    partnersPerUser: number;
    historySamples: number;
    oneToOne: OneToOneParams;
  };
  herd: { connections: number; devicesPerAccount: number; concurrency: number };
  /** The realistic day: its people and who talks to whom, and the traffic (the world file is written by the runner). */
  day: { graph: GraphSpec; traffic: Omit<DayParams, "worldFile"> };
  /** Longest a load generator process may run. */
  jobTimeoutSeconds: number;
}

export const FULL_CAPACITY: CapacityPlan = {
  kind: "full",
  idle: { connections: 100_000, devicesPerAccount: 10, concurrency: 200, idleSeconds: 60, deadAfterSeconds: 60 },
  growth: {
    sizes: [0, 1_000_000, 10_000_000],
    resumeBacklog: 100_000,
    users: 2000,
    partnersPerUser: 5,
    historySamples: 300,
    oneToOne: FULL.scenarios["one-to-one"],
  },
  herd: { connections: 100_000, devicesPerAccount: 10, concurrency: 200 },
  day: {
    graph: { users: 100_000, directsPerUser: [5, 20], groupsPerUser: [1, 3], groupSize: [5, 200], seed: 17 },
    traffic: {
      msgsPerSec: 2000,
      seconds: 600,
      warmupSeconds: 10,
      // One message in ten to a group: with groups of 100 members on average, they are most of the deliveries.
      groupShare: 0.1,
      typingPerMessage: 0.5,
      typingLeadMs: 1500,
      readShare: 0.5,
      readIntervalMs: 1000,
      reconnectsPerSec: 0.01,
      offlineMs: [1000, 5000],
      bucketSeconds: 60,
      concurrency: 200,
      textBytes: FULL.scenarios["one-to-one"].textBytes,
      settleStallMs: 10_000,
      settleTimeoutMs: 240_000,
      seed: 17,
    },
  },
  jobTimeoutSeconds: 900,
};

/** A tenth of the full size; the idle hold is 10 s with pings every 5 s, so that it still sees two heartbeats. */
export const QUICK_CAPACITY: CapacityPlan = {
  kind: "quick",
  idle: { ...FULL_CAPACITY.idle, connections: 10_000, idleSeconds: 10, deadAfterSeconds: 15 },
  growth: { ...FULL_CAPACITY.growth, sizes: [0, 1_000_000], resumeBacklog: 10_000, historySamples: 200, oneToOne: QUICK.scenarios["one-to-one"] },
  herd: { ...FULL_CAPACITY.herd, connections: 10_000 },
  // A tenth of the people and of the day (one minute of ten) at the same 2,000 messages a second.
  day: {
    graph: { ...FULL_CAPACITY.day.graph, users: 10_000 },
    traffic: { ...FULL_CAPACITY.day.traffic, seconds: 60, warmupSeconds: 5, bucketSeconds: 5 },
  },
  jobTimeoutSeconds: 120,
};
