import { appDriver } from "../drivers/app.ts";
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
  drivers: TargetDriver[];
  /** The driver device `index` connects through. */
  driverOf(index: number): TargetDriver;
}

export async function seedFleet(target: TargetRef, prefix: string, connections: number, devicesPerAccount: number): Promise<Fleet> {
  const addresses = loopbackAddresses(connections);
  const port = new URL(target.baseUrl).port;
  const drivers = addresses.map((address) => {
    const baseUrl = `http://${address}:${port}`;
    return target.protocol === "app" ? appDriver(baseUrl, target.dataDir) : relayDriver(baseUrl);
  });
  const accounts = Math.ceil(connections / devicesPerAccount);
  const devices = (await drivers[0]!.seedAccounts(benchNames(prefix, accounts), devicesPerAccount)).slice(0, connections);
  return { addresses, devices, drivers, driverOf: (index) => drivers[index % drivers.length]! };
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
