import { join } from "node:path";
import { liveChildren } from "../targets.ts";
import type { LoadgenJob } from "./job.ts";

const MAIN = join(import.meta.dir, "main.ts");

/**
 * Runs one load generator process (`main.ts`, the job as JSON in its argv) and returns its result: the
 * last line of its stdout, as JSON, or `failed` with why there is none. Killed after `timeoutSeconds`.
 */
export async function runLoadgen(job: LoadgenJob, timeoutSeconds: number): Promise<object | { failed: string }> {
  const child = Bun.spawn([process.execPath, "--no-orphans", MAIN, JSON.stringify(job)], { stdout: "pipe", stderr: "inherit" });
  liveChildren.add(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
  const [output, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  clearTimeout(timer);
  liveChildren.delete(child);
  const last = output.trim().split("\n").at(-1);
  if (child.signalCode === "SIGKILL") return { failed: `the load generator ran over ${timeoutSeconds} s and was stopped` };
  if (!last) return { failed: `the load generator exited with ${code} and no result` };
  return JSON.parse(last);
}
