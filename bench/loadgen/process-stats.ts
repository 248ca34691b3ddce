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
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
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

/**
 * Measures how many cores `pid`, this process and everything else on the
 * machine keep busy between the call and the returned stop. The machine is
 * shared: `otherCores` says how much of it someone else took meanwhile.
 */
export async function cpuMeter(pid: number) {
  const started = performance.now();
  const [targetStart, machineStart] = [await cpuSeconds(pid), await machineBusySeconds()];
  const ownStart = process.cpuUsage();
  return async () => {
    const seconds = (performance.now() - started) / 1000;
    const ownUsage = process.cpuUsage(ownStart);
    const target = (await cpuSeconds(pid)) - targetStart;
    const own = (ownUsage.user + ownUsage.system) / 1e6;
    const machine = (await machineBusySeconds()) - machineStart;
    return {
      targetCores: round(target, seconds),
      loadgenCores: round(own, seconds),
      otherCores: round(Math.max(0, machine - target - own), seconds),
    };
  };
}

function round(cpu: number, seconds: number): number {
  return Math.round((cpu / seconds) * 100) / 100;
}

/** Waits until `pid` uses under a tenth of a core over 200 ms (it has finished any backlog), or `maxMs` passes. */
export async function waitUntilIdle(pid: number, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  let before = await cpuSeconds(pid);
  while (performance.now() < deadline) {
    await Bun.sleep(200);
    const now = await cpuSeconds(pid);
    if (now - before < 0.02) return;
    before = now;
  }
}
