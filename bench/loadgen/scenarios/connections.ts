import { type BenchConnection, mapLimit } from "../../drivers/driver.ts";
import type { ConnectionsParams } from "../job.ts";
import { residentBytes } from "../process-stats.ts";
import { profiled } from "../profile-window.ts";
import { type ScenarioContext, benchNames, settle } from "./context.ts";

const MB = 1024 * 1024;

/**
 * Scenario 2: many authenticated connections that then sit idle. Measures how
 * long connecting them all takes (accounts and devices are seeded beforehand
 * and not timed) and the server's resident memory per connection over its
 * idle baseline.
 */
export async function connections(context: ScenarioContext, params: ConnectionsParams) {
  const { driver, target, log } = context;
  const preparing = performance.now();
  const accounts = Math.ceil(params.connections / params.devicesPerAccount);
  const devices = (await driver.seedAccounts(benchNames("idle", accounts), params.devicesPerAccount)).slice(0, params.connections);
  const prepareSeconds = seconds(performance.now() - preparing);
  log(`seeded ${accounts} accounts × ${params.devicesPerAccount} devices in ${prepareSeconds} s`);

  await settle(1000);
  const idleBaseline = await residentBytes(target.pid);
  const failures: string[] = [];
  const ignore = { message() {} };
  const { opened, connectSeconds } = await profiled(target, async () => {
    const connecting = performance.now();
    const opened = await mapLimit(devices, params.concurrency, async (device): Promise<BenchConnection | null> => {
      try {
        return await driver.connect(device, ignore);
      } catch (error) {
        failures.push(String(error));
        return null;
      }
    });
    return { opened, connectSeconds: seconds(performance.now() - connecting) };
  });
  const live = opened.filter((connection) => connection !== null);
  log(`${live.length} connected in ${connectSeconds} s, ${failures.length} failed`);

  await settle(params.idleSeconds * 1000);
  const connected = await residentBytes(target.pid);
  for (const connection of live) connection.close();

  return {
    connections: live.length,
    failedConnects: failures.length,
    firstFailures: failures.slice(0, 3),
    accounts,
    devicesPerAccount: params.devicesPerAccount,
    prepareSeconds,
    connectSeconds,
    connectsPerSec: Math.round(live.length / connectSeconds),
    idleBaselineMB: round(idleBaseline / MB),
    connectedMB: round(connected / MB),
    bytesPerConnection: live.length ? Math.round((connected - idleBaseline) / live.length) : 0,
  };
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
