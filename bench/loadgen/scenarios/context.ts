import type { TargetDriver } from "../../drivers/driver.ts";
import type { TargetRef } from "../job.ts";
import { OpenLoop, type StepResult } from "../open-loop.ts";
import { waitUntilIdle } from "../process-stats.ts";
import type { StepPlan } from "../job.ts";

export interface ScenarioContext {
  driver: TargetDriver;
  target: TargetRef;
  /** Progress for people watching; goes to stderr so stdout stays the result. */
  log(line: string): void;
}

/** Numbered account names that pass the app's name rules. */
export function benchNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
}

export function openLoopFor(context: ScenarioContext, plan: StepPlan): OpenLoop {
  return new OpenLoop({
    targetPid: context.target.pid,
    confirms: context.driver.confirmsSends,
    textBytes: plan.textBytes,
    latencyBudgetMs: plan.latencyBudgetMs,
    stallMs: plan.stallMs,
    drainTimeoutMs: plan.drainTimeoutMs,
  });
}

export function describeStep(step: StepResult): string {
  return (
    `offered ${step.offeredPerSec}/s delivered ${step.deliveredPerSec}/s p50 ${step.latencyMs.p50} ms p99 ${step.latencyMs.p99} ms ` +
    `cores: target ${step.targetCores} loadgen ${step.loadgenCores} other ${step.otherCores} ${step.verdict ? `✗ ${step.verdict}` : "✓"}`
  );
}

export async function settle(ms: number): Promise<void> {
  Bun.gc(true);
  await Bun.sleep(ms);
}

/** After an overloaded step the target may still be working off queues; the next step should not inherit them. */
export async function settleAfter(context: ScenarioContext, step: { sustained: boolean }): Promise<void> {
  Bun.gc(true);
  await Bun.sleep(100);
  if (!step.sustained) await waitUntilIdle(context.target.pid, 10_000);
}
