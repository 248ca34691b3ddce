import type { TargetName } from "../loadgen/job.ts";
import { cpuMeter, residentBytes } from "../loadgen/process-stats.ts";
import { settle } from "../loadgen/scenarios/context.ts";
import { profiled } from "../loadgen/profile-window.ts";
import { summarizeProfile } from "../profile/summarize.ts";
import { startTarget } from "../targets.ts";
import { connectFleet, fleetOf, seedDevices } from "./fleet.ts";
import type { CapacityPlan } from "./plan.ts";

export interface IdleResult {
  target: TargetName;
  connections: number;
  failedConnects: number;
  firstFailures: string[];
  /** Connections dropped by the server during the idle hold. */
  dropped: number;
  addresses: string[];
  seedSeconds: number;
  connectSeconds: number;
  connectsPerSec: number;
  /** The server's CPU per connection while connecting (all threads): an equal-work cost a busy machine disturbs less than the rate. */
  cpuUsPerConnect: number;
  /** Cores other processes used while connecting. */
  otherCoresConnecting: number;
  /** With --profile, the app's connect phase: the file and where its server thread's time went. */
  profile?: { file: string; top: string[] };
  idleBaselineMB: number;
  connectedMB: number;
  bytesPerConnection: number;
  idleSeconds: number;
  /** Cores the server used while every connection sat idle (the app's heartbeat: a ping each every third of --dead-after-seconds). */
  idleCores: number;
  otherCores: number;
}

/**
 * Scenario 1 of issue 17: `connections` authenticated devices (relays: plain
 * sockets) connect, sit idle for `idleSeconds` with the app's heartbeat
 * running, then close. Memory per connection is the server's resident memory
 * at the end of the hold over its idle baseline before the first connect.
 */
export async function idleConnections(target: TargetName, plan: CapacityPlan["idle"], log: (line: string) => void, profileFile?: string): Promise<IdleResult> {
  const seeding = performance.now();
  const { devices, directory } = await seedDevices(target === "app", "idle", plan.connections, plan.devicesPerAccount);
  const seedSeconds = (performance.now() - seeding) / 1000;
  const appFlags = ["--dead-after-seconds", String(plan.deadAfterSeconds)];
  const running = await startTarget(target, { host: "0.0.0.0", appFlags, dataDir: directory?.dataDir, profileFile }).catch(async (error) => {
    await directory?.remove();
    throw error;
  });
  try {
    const { ref } = running;
    const fleet = fleetOf(ref, devices);
    log(`${target}: seeded ${devices.length} devices in ${seedSeconds.toFixed(1)} s; connecting over ${fleet.addresses.join(", ")}`);

    await settle(1000);
    const baseline = await residentBytes(ref.pid);
    let dropped = 0;
    const events = { message() {}, dropped: () => void dropped++ };
    const connectMeter = await cpuMeter([ref.pid], false);
    const { connections, failures, seconds } = await profiled(ref, () => connectFleet(fleet, plan.concurrency, () => events));
    const connecting = await connectMeter();
    const live = connections.filter((connection) => connection !== null);
    log(`${target}: ${live.length} connected in ${seconds.toFixed(2)} s, ${failures.length} failed`);

    const meter = await cpuMeter([ref.pid], false);
    await settle(plan.idleSeconds * 1000);
    const cores = await meter();
    const connected = await residentBytes(ref.pid);
    for (const connection of live) connection.close();
    log(`${target}: ${Math.round((connected - baseline) / Math.max(1, live.length))} B per connection, idle ${cores.targetCores} cores, ${dropped} dropped`);
    return {
      target,
      connections: live.length,
      failedConnects: failures.length,
      firstFailures: failures.slice(0, 3),
      dropped,
      addresses: fleet.addresses,
      seedSeconds: round(seedSeconds, 10),
      connectSeconds: round(seconds, 1000),
      connectsPerSec: Math.round(live.length / seconds),
      cpuUsPerConnect: live.length ? Math.round((connecting.targetCores * seconds * 1e6) / live.length) : 0,
      otherCoresConnecting: connecting.otherCores,
      ...(profileFile && (await Bun.file(profileFile).exists()) ? { profile: { file: profileFile, top: summarizeProfile(await Bun.file(profileFile).json()) } } : {}),
      idleBaselineMB: round(baseline / 2 ** 20, 10),
      connectedMB: round(connected / 2 ** 20, 10),
      bytesPerConnection: live.length ? Math.round((connected - baseline) / live.length) : 0,
      idleSeconds: plan.idleSeconds,
      idleCores: cores.targetCores,
      otherCores: cores.otherCores,
    };
  } finally {
    await running.stop();
    await directory?.remove();
  }
}

function round(value: number, by: number): number {
  return Math.round(value * by) / by;
}
