import type { TargetRef } from "./job.ts";

const WRITE_TIMEOUT_MS = 15_000;

/** Runs `measured` with the target's CPU profiler on, when the runner asked for a profile (see bench/profile/on-signal.ts). */
export async function profiled<T>(target: TargetRef, measured: () => Promise<T>): Promise<T> {
  const file = target.profileFile;
  if (!file) return measured();
  process.kill(target.pid, "SIGUSR2");
  try {
    return await measured();
  } finally {
    process.kill(target.pid, "SIGUSR2");
    const deadline = performance.now() + WRITE_TIMEOUT_MS;
    while (!(await Bun.file(file).exists()) && performance.now() < deadline) await Bun.sleep(50);
  }
}
