import { readdir } from "node:fs/promises";

/** What the kernel says about another process on this machine (Linux /proc). */

const CLOCK_TICKS_PER_SECOND = 100;

/** Resident memory in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/** CPU seconds (user + system) the process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  return cpuSecondsOf(await Bun.file(`/proc/${pid}/stat`).text());
}

/**
 * The name Bun gives the thread of a `Worker`: in the app, the SQLite writer thread (its only
 * Worker). The kernel keeps a thread's name in its `comm`.
 */
const WORKER_THREAD_NAME = "Worker";

/**
 * CPU seconds (user + system) used so far by the threads of a process named as a Bun `Worker`,
 * from `/proc/<pid>/task/<tid>/stat`. (The whole process's figure, `/proc/<pid>/stat`, is the sum
 * over its threads, those that ended included.)
 */
export async function workerThreadCpuSeconds(pid: number): Promise<number> {
  let worker = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const stat = await Bun.file(`/proc/${pid}/task/${tid}/stat`).text();
      if (commandOf(stat) === WORKER_THREAD_NAME) worker += cpuSecondsOf(stat);
    } catch {
      // The thread ended while we looked.
    }
  }
  return worker;
}

function commandOf(stat: string): string {
  return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
}

function cpuSecondsOf(stat: string): number {
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds the whole machine has spent busy (every process, kernel included). */
async function machineBusySeconds(): Promise<number> {
  const total = (await Bun.file("/proc/stat").text()).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = total;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/** Command names of the shared services' processes: PostgreSQL (one backend per connection) and Redis. */
const SERVICE_COMMANDS = new Set(["postgres", "redis-server"]);

/** CPU seconds used so far by every PostgreSQL and Redis process, by pid. */
async function serviceCpuSeconds(): Promise<Map<number, number>> {
  const used = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = await Bun.file(`/proc/${pid}/stat`).text();
      if (SERVICE_COMMANDS.has(commandOf(stat))) used.set(pid, cpuSecondsOf(stat));
    } catch {
      // The process ended while we looked.
    }
  }
  return used;
}

/** CPU the shared services used between two readings; a backend that started meanwhile counts whole. */
function serviceCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/**
 * Measures how many cores the target's processes (`pids`), this process and
 * everything else on the machine keep busy between the call and the returned
 * stop. The machine is shared: `otherCores` says how much of it someone else
 * took meanwhile. With `services`, PostgreSQL and Redis are counted apart
 * (`serviceCores`): the target works through them.
 */
export async function cpuMeter(pids: readonly number[], services: boolean) {
  const started = performance.now();
  const targetStart = await totalCpuSeconds(pids);
  const workersStart = await totalWorkerCpuSeconds(pids);
  const servicesStart = services ? await serviceCpuSeconds() : null;
  const machineStart = await machineBusySeconds();
  const ownStart = process.cpuUsage();
  return async () => {
    const seconds = (performance.now() - started) / 1000;
    const ownUsage = process.cpuUsage(ownStart);
    const target = (await totalCpuSeconds(pids)) - targetStart;
    const workers = (await totalWorkerCpuSeconds(pids)) - workersStart;
    const own = (ownUsage.user + ownUsage.system) / 1e6;
    const service = servicesStart ? serviceCpuBetween(servicesStart, await serviceCpuSeconds()) : 0;
    const machine = (await machineBusySeconds()) - machineStart;
    return {
      targetCores: round(target, seconds),
      /** CPU seconds of the target's processes, every thread, and of their Worker threads (the app's SQLite writer). */
      targetCpuSeconds: roundTicks(target),
      workerCpuSeconds: roundTicks(workers),
      serviceCores: round(service, seconds),
      loadgenCores: round(own, seconds),
      otherCores: round(Math.max(0, machine - target - service - own), seconds),
    };
  };
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

async function totalCpuSeconds(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += await cpuSeconds(pid);
  return total;
}

async function totalWorkerCpuSeconds(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += await workerThreadCpuSeconds(pid);
  return total;
}

/** Clock ticks are hundredths of a second; a difference of two readings gets float noise below that. */
function roundTicks(seconds: number): number {
  return Math.round(seconds * CLOCK_TICKS_PER_SECOND) / CLOCK_TICKS_PER_SECOND;
}

function round(cpu: number, seconds: number): number {
  return Math.round((cpu / seconds) * 100) / 100;
}

/**
 * Waits until the processes (with `services`, PostgreSQL and Redis too)
 * together use under a tenth of a core over 200 ms (they have finished any
 * backlog), or `maxMs` passes.
 */
export async function waitUntilIdle(pids: readonly number[], services: boolean, maxMs: number): Promise<void> {
  const busy = async () => (await totalCpuSeconds(pids)) + (services ? sum((await serviceCpuSeconds()).values()) : 0);
  const deadline = performance.now() + maxMs;
  let before = await busy();
  while (performance.now() < deadline) {
    await Bun.sleep(200);
    const now = await busy();
    if (now - before < 0.02) return;
    before = now;
  }
}
