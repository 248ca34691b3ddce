import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoadgen } from "../loadgen/spawn.ts";
import { summarizeProfile } from "../profile/summarize.ts";
import { startTarget } from "../targets.ts";
import type { DayTraffic } from "./day-traffic.ts";
import { seedOnTmpfs } from "./fleet.ts";
import type { CapacityPlan } from "./plan.ts";
import { seedDay } from "./seed-day.ts";
import { socialGraph } from "./social-graph.ts";

/** Time the load generator gets besides the day and the longest settle: connecting everyone (100,000 at full size). */
const CONNECT_SPARE_SECONDS = 120;

export interface DayResult extends DayTraffic {
  graph: { users: number; directs: number; groups: number; groupMembers: { min: number; mean: number; max: number } };
  seedSeconds: number;
  /** With --profile, the app's CPU profile over the warm-up and the day: the file and where its server thread's time went. */
  profile?: { file: string; top: string[] };
}

/**
 * Scenario 2 of issue 17, a realistic day compressed: the social graph
 * seeded through the store's code (on /dev/shm, then copied to disk), the
 * app started on it, and the day driven by a load generator in its own
 * process (`day-traffic.ts`), which gets the seeded world as a file.
 */
export async function realisticDay(plan: CapacityPlan["day"], log: (line: string) => void, profileFile?: string): Promise<DayResult> {
  const graph = socialGraph(plan.graph);
  const directory = await seedOnTmpfs((scratch) => seedDay(scratch, graph, log));
  const worldFile = join(tmpdir(), `chat-bench-day-world-${process.pid}.json`);
  try {
    await Bun.write(worldFile, JSON.stringify(directory.seeded));
    log(`day: ${graph.users} users, ${graph.directs.length} direct conversations, ${graph.groups.length} groups seeded in ${directory.seconds.toFixed(1)} s`);
    const running = await startTarget("app", { host: "0.0.0.0", dataDir: directory.dataDir, profileFile });
    try {
      const timeoutSeconds = plan.traffic.warmupSeconds + plan.traffic.seconds + plan.traffic.settleTimeoutMs / 1000 + CONNECT_SPARE_SECONDS;
      const traffic = (await runLoadgen({ scenario: "day", target: running.ref, params: { ...plan.traffic, worldFile } }, timeoutSeconds)) as DayTraffic | { failed: string };
      if ("failed" in traffic) throw new Error(`${traffic.failed}\n${running.output()}`);
      const sizes = graph.groups.map((members) => members.length);
      return {
        graph: {
          users: graph.users,
          directs: graph.directs.length,
          groups: graph.groups.length,
          groupMembers: { min: Math.min(...sizes), mean: Math.round(sizes.reduce((sum, size) => sum + size, 0) / sizes.length), max: Math.max(...sizes) },
        },
        seedSeconds: Math.round(directory.seconds * 10) / 10,
        ...traffic,
        ...(profileFile && (await Bun.file(profileFile).exists()) ? { profile: { file: profileFile, top: summarizeProfile(await Bun.file(profileFile).json()) } } : {}),
      };
    } finally {
      await running.stop();
    }
  } finally {
    await rm(worldFile, { force: true });
    await directory.remove();
  }
}
