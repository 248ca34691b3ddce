import type { TargetDriver } from "../../drivers/driver.ts";
import type { TargetRef } from "../job.ts";
import { OpenLoop, type StepResult } from "../open-loop.ts";
import { waitUntilIdle } from "../process-stats.ts";
import type { StepPlan } from "../job.ts";

export interface ScenarioContext {
  driver: TargetDriver;
  /** One driver per server of the target (the first is `driver`); a single server has just that one. */
  drivers: readonly TargetDriver[];
  target: TargetRef;
  /** Progress for people watching; goes to stderr so stdout stays the result. */
  log(line: string): void;
}

/** Numbered account names that pass the app's name rules. */
export function benchNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
}

export function targetPids(target: TargetRef): number[] {
  return (target.servers ?? [target]).map((server) => server.pid);
}

export function openLoopFor(context: ScenarioContext, plan: StepPlan): OpenLoop {
  return new OpenLoop({
    targetPids: targetPids(context.target),
    sharedServices: context.target.sharedServices ?? false,
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
    `cores: target ${step.targetCores}${step.serviceCores ? ` services ${step.serviceCores}` : ""} loadgen ${step.loadgenCores} other ${step.otherCores} ${step.verdict ? `✗ ${step.verdict}` : "✓"}`
  );
}

export async function settle(ms: number): Promise<void> {
  Bun.gc(true);
  await Bun.sleep(ms);
}

/** Longest wait for an overloaded target to work off its queues: under overload some deliver far below their best rate. */
const WORK_OFF_TIMEOUT_MS = 120_000;
const WORK_OFF_STALL_MS = 2_000;

/** Waits for late arrivals, so that what is counted lost at the end was never delivered. */
export async function workOff(loop: OpenLoop): Promise<void> {
  await loop.workOff(WORK_OFF_STALL_MS, WORK_OFF_TIMEOUT_MS);
}

/**
 * After an overloaded step the target may still be working off queues; the
 * next step should not inherit them. Waits until everything sent so far has
 * arrived (or stopped arriving), then until the target is idle.
 */
export async function settleAfter(context: ScenarioContext, loop: OpenLoop, step: { sustained: boolean }): Promise<void> {
  Bun.gc(true);
  await Bun.sleep(100);
  if (step.sustained) return;
  await workOff(loop);
  await waitUntilIdle(targetPids(context.target), context.target.sharedServices ?? false, 10_000);
}
