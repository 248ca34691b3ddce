import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appDriver, seedSqlite } from "../drivers/app.ts";
import { type Account, type BenchConnection, type ConnectionEvents, type TargetDriver, mapLimit } from "../drivers/driver.ts";
import { relayDriver } from "../drivers/relay.ts";
import type { TargetRef } from "../loadgen/job.ts";
import { benchNames } from "../loadgen/scenarios/context.ts";
import { loopbackAddresses } from "./limits.ts";

/**
 * Many devices of seeded accounts, connected to one server over several
 * loopback addresses (the server listens on 0.0.0.0): device i connects
 * through address i mod n.
 */
export interface Fleet {
  addresses: string[];
  devices: Account[];
  driverOf(index: number): TargetDriver;
}

/** A fresh data directory on disk for the app, filled by `fill` before the server starts; `remove` deletes it. */
export interface SeededDirectory {
  dataDir: string;
  seconds: number;
  remove(): Promise<void>;
}

/**
 * Runs `fill` on a fresh directory in /dev/shm (if the system has one), where a commit's fsync costs
 * nothing (the store's code commits every account, device and conversation
 * on its own: 10,000 devices took a minute on disk here), then copies the
 * result to a directory on disk for the server, so the server itself pays
 * for its own durable writes as deployed.
 */
export async function seedOnTmpfs<T>(fill: (dataDir: string) => Promise<T>): Promise<SeededDirectory & { seeded: T }> {
  const started = performance.now();
  const scratch = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "chat-bench-seed-"));
  const dataDir = await mkdtemp(join(tmpdir(), "chat-bench-capacity-"));
  const remove = () => rm(dataDir, { recursive: true, force: true });
  try {
    const seeded = await fill(scratch);
    await cp(scratch, dataDir, { recursive: true });
    return { dataDir, seeded, seconds: (performance.now() - started) / 1000, remove };
  } catch (error) {
    await remove();
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `connections` devices of accounts named `<prefix>00000…`; the relays need no seeding (nothing to copy). */
export async function seedDevices(app: boolean, prefix: string, connections: number, devicesPerAccount: number) {
  const names = benchNames(prefix, Math.ceil(connections / devicesPerAccount));
  if (!app) return { devices: names.flatMap((name) => Array.from({ length: devicesPerAccount }, () => ({ name }))).slice(0, connections), directory: null };
  const directory = await seedOnTmpfs((dataDir) => seedSqlite(dataDir, names, devicesPerAccount));
  return { devices: directory.seeded.slice(0, connections), directory };
}

export function fleetOf(target: TargetRef, devices: Account[]): Fleet {
  const addresses = loopbackAddresses(devices.length);
  const port = new URL(target.baseUrl).port;
  const drivers = addresses.map((address) => {
    const baseUrl = `http://${address}:${port}`;
    return target.protocol === "app" ? appDriver(baseUrl, target.dataDir) : relayDriver(baseUrl);
  });
  return { addresses, devices, driverOf: (index) => drivers[index % drivers.length]! };
}

/** Connects every device, `concurrency` at a time; a device that could not connect is null, its error in `failures`. */
export async function connectFleet(fleet: Fleet, concurrency: number, eventsFor: (index: number) => ConnectionEvents) {
  const failures: string[] = [];
  const started = performance.now();
  const connections = await mapLimit(fleet.devices, concurrency, async (device, index): Promise<BenchConnection | null> => {
    try {
      return await fleet.driverOf(index).connect(device, eventsFor(index));
    } catch (error) {
      failures.push(String(error instanceof Error ? error.message : error));
      return null;
    }
  });
  return { connections, failures, seconds: (performance.now() - started) / 1000 };
}
