import type { BenchConnection, ConnectionEvents } from "../drivers/driver.ts";
import { DeliveryLedger } from "./ledger.ts";
import { cpuMeter } from "./process-stats.ts";
import { formatProbe, parseProbe } from "./probe.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** Who sends in a step, and where each sender's messages go. */
export interface Traffic {
  senders: readonly BenchConnection[];
  route(sender: number): { to: string; recipients: number };
}

export interface OpenLoopOptions {
  /** The target's server processes, for the CPU they use. */
  targetPids: readonly number[];
  /** The target works through PostgreSQL and Redis: count their CPU apart from other work. */
  sharedServices?: boolean;
  /** Whether the target answers each send once stored (then every send must be answered). */
  confirms: boolean;
  textBytes: number;
  /** A step whose p99 one-way latency exceeds this has fallen behind its schedule. */
  latencyBudgetMs: number;
  /** After the last send, how long to wait without any progress before calling what is missing lost. */
  stallMs: number;
  drainTimeoutMs: number;
}

export interface StepResult {
  step: number;
  offeredPerSec: number;
  seconds: number;
  sent: number;
  expected: number;
  delivered: number;
  deliveredPerSec: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  /** Sends the target never confirmed (null for targets that do not confirm). */
  unconfirmed: number | null;
  refused: number;
  dropped: number;
  latencyMs: LatencySummary;
  /** How late the generator itself sent, against its schedule: large values mean the generator, not the target, fell behind. */
  scheduleLagMs: { p99: number; max: number };
  targetCores: number;
  /** Cores PostgreSQL and Redis used for a target on them (0 otherwise). */
  serviceCores: number;
  loadgenCores: number;
  /** Cores busy with other work on the machine during the step (it is shared). */
  otherCores: number;
  /** The target's CPU (every thread of its processes) per delivered message, in µs, from the step's start until all arrived. */
  cpuUsPerMsg: number | null;
  /** Its threads named `Worker` (the app's SQLite writer thread) alone, per delivered message, in µs. */
  workerCpuUsPerMsg: number | null;
  sustained: boolean;
  /** Why the step is not sustained; empty when it is. */
  verdict: string;
}

interface StepState {
  ledger: DeliveryLedger;
  sent: number;
  confirmed: number;
  refused: number;
  startedAt: number;
  lastArrivalAt: number;
}

/**
 * Sends on a fixed schedule (open loop): the n-th message of a step is due at
 * start + n/rate whatever the target answers, and its due time travels in its
 * text, so a slow target shows up as latency instead of a slower sender.
 */
export class OpenLoop {
  private readonly steps = new Map<number, StepState>();
  private lastStep = 0;
  private refusals: string[] = [];
  dropped = 0;

  constructor(private readonly options: OpenLoopOptions) {}

  /** Event handlers for the connection that counts as receiver `receiver`. */
  eventsFor(receiver: number): ConnectionEvents {
    return {
      message: (text) => this.arrive(receiver, text),
      stored: (id) => {
        const state = this.steps.get(parseMessageId(id).step);
        if (state) state.confirmed++;
      },
      refused: (code, message, id) => {
        const sent = id === undefined ? undefined : parseMessageId(id);
        const state = sent && this.steps.get(sent.step);
        if (state) {
          state.refused++;
          state.ledger.withdraw(sent.recipients);
        }
        if (this.refusals.length < 5) this.refusals.push(`${code}: ${message}`);
      },
      dropped: (code, reason) => {
        this.dropped++;
        if (this.refusals.length < 5) this.refusals.push(`connection closed by target: ${code} ${reason}`);
      },
    };
  }

  /** The first few refusals and drops, to explain a failed step. */
  get problems(): readonly string[] {
    return this.refusals;
  }

  private arrive(receiver: number, text: string): void {
    const now = performance.now();
    const probe = parseProbe(text);
    const state = probe && this.steps.get(probe.step);
    if (!probe || !state) return;
    if (state.ledger.receive(receiver, probe.sender, probe.seq, now - probe.dueAt) === "new") state.lastArrivalAt = now;
  }

  async run(traffic: Traffic, ratePerSec: number, seconds: number): Promise<StepResult> {
    const step = ++this.lastStep;
    const ledger = new DeliveryLedger();
    const total = Math.max(1, Math.round(ratePerSec * seconds));
    const state: StepState = { ledger, sent: total, confirmed: 0, refused: 0, startedAt: performance.now(), lastArrivalAt: 0 };
    this.steps.set(step, state);
    const droppedBefore = this.dropped;
    const stopMeter = await cpuMeter(this.options.targetPids, this.options.sharedServices ?? false);
    const lags: number[] = [];

    const start = (state.startedAt = performance.now());
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - start) * ratePerSec) / 1000) + 1);
        if (sent < due) lags.push(now - (start + (sent * 1000) / ratePerSec));
        for (; sent < due; sent++) {
          const sender = sent % traffic.senders.length;
          const { to, recipients } = traffic.route(sender);
          const seq = ledger.send(sender, recipients);
          const dueAt = start + (sent * 1000) / ratePerSec;
          traffic.senders[sender]!.send(to, messageId(step, recipients), formatProbe({ step, sender, seq, dueAt }, this.options.textBytes));
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 1);
      tick();
    });

    await this.waitFor(() => this.outstandingIn(state) === 0, this.options.stallMs, this.options.drainTimeoutMs);
    const cpu = await stopMeter();
    const unconfirmed = this.options.confirms ? total - state.confirmed - state.refused : null;
    const latencyMs = summarize(ledger.latenciesMs);
    const lagSummary = summarize(lags);
    const result: StepResult = {
      step,
      offeredPerSec: Math.round(ratePerSec * 10) / 10,
      seconds,
      sent: total,
      expected: ledger.expected,
      delivered: ledger.delivered,
      deliveredPerSec: Math.round(ledger.delivered / Math.max(seconds, (state.lastArrivalAt - start) / 1000)),
      lost: ledger.missing,
      duplicates: ledger.duplicates,
      unexpected: ledger.unexpected,
      unconfirmed,
      refused: state.refused,
      dropped: this.dropped - droppedBefore,
      latencyMs,
      scheduleLagMs: { p99: lagSummary.p99, max: lagSummary.max },
      targetCores: cpu.targetCores,
      serviceCores: cpu.serviceCores,
      loadgenCores: cpu.loadgenCores,
      otherCores: cpu.otherCores,
      cpuUsPerMsg: perMessageUs(cpu.targetCpuSeconds, ledger.delivered),
      workerCpuUsPerMsg: perMessageUs(cpu.workerCpuSeconds, ledger.delivered),
      sustained: false,
      verdict: "",
    };
    result.verdict = verdictOf(result, this.options.latencyBudgetMs);
    result.sustained = result.verdict === "";
    ledger.latenciesMs.length = 0; // the summary is kept; the samples would only hold memory
    return result;
  }

  /**
   * Waits until everything sent in every step so far has arrived and been
   * confirmed, or nothing moved for `stallMs`, or `timeoutMs` passed: after an
   * overloaded step, the target's queues must be worked off before the next
   * step is measured, however long that takes it.
   */
  async workOff(stallMs: number, timeoutMs: number): Promise<void> {
    await this.waitFor(() => [...this.steps.values()].every((state) => this.outstandingIn(state) === 0), stallMs, timeoutMs);
  }

  /** Deliveries still missing in a step, plus sends not yet confirmed or refused by a target that confirms. */
  private outstandingIn(state: StepState): number {
    const unanswered = this.options.confirms ? Math.max(0, state.sent - state.confirmed - state.refused) : 0;
    return Math.max(0, state.ledger.missing) + unanswered;
  }

  /** Polls `done` until it holds, or no message arrived or was confirmed for `stallMs`, or `timeoutMs` passed. */
  private async waitFor(done: () => boolean, stallMs: number, timeoutMs: number): Promise<void> {
    const started = performance.now();
    let lastProgress = started;
    let progress = -1;
    for (;;) {
      const now = performance.now();
      if (done()) return;
      const current = this.progress();
      if (current !== progress) {
        progress = current;
        lastProgress = now;
      }
      if (now - lastProgress > stallMs || now - started > timeoutMs) return;
      await Bun.sleep(5);
    }
  }

  /** Grows with every arrival and confirmation, in any step. */
  private progress(): number {
    let total = 0;
    for (const state of this.steps.values()) total += state.ledger.delivered + state.ledger.duplicates + state.confirmed + state.refused;
    return total;
  }

  /** Deliveries never made and repeats seen over every step so far, late arrivals included. */
  totals(): { lost: number; duplicates: number; unexpected: number } {
    let lost = 0;
    let duplicates = 0;
    let unexpected = 0;
    for (const { ledger } of this.steps.values()) {
      lost += ledger.missing;
      duplicates += ledger.duplicates;
      unexpected += ledger.unexpected;
    }
    return { lost, duplicates, unexpected };
  }
}

function perMessageUs(cpuSeconds: number, delivered: number): number | null {
  return delivered > 0 ? Math.round((cpuSeconds / delivered) * 1e7) / 10 : null;
}

function verdictOf(step: StepResult, latencyBudgetMs: number): string {
  const reasons: string[] = [];
  if (step.lost > 0) reasons.push(`${step.lost} not delivered`);
  if (step.duplicates > 0) reasons.push(`${step.duplicates} duplicated`);
  if (step.unexpected > 0) reasons.push(`${step.unexpected} never sent`);
  if (step.unconfirmed) reasons.push(`${step.unconfirmed} unconfirmed`);
  if (step.refused > 0) reasons.push(`${step.refused} refused`);
  if (step.dropped > 0) reasons.push(`${step.dropped} connections dropped`);
  if (step.latencyMs.p99 > latencyBudgetMs) reasons.push(`p99 ${step.latencyMs.p99} ms over the ${latencyBudgetMs} ms budget`);
  return reasons.join("; ");
}

/** A failed step during which other work took this many cores is run again once: the machine, not the target, may have failed it. */
const DISTURBED_CORES = 0.25;

export interface SearchPlan {
  startRate: number;
  /** Factor between climbing steps. */
  growth: number;
  /** Bisection steps between the last sustained and the first failed rate. */
  refineSteps: number;
  maxRate: number;
  minRate: number;
}

/**
 * Finds the highest offered rate a step sustains: climbs geometrically until a
 * step fails (or steps down if the first one fails), then bisects between the
 * last good and first bad rate. A failure while the machine was busy with
 * other work is retried once.
 */
export async function findMaxSustained(
  runStep: (rate: number) => Promise<StepResult>,
  plan: SearchPlan,
): Promise<{ best: StepResult | null; steps: StepResult[] }> {
  const steps: StepResult[] = [];
  const edge: { best: StepResult | null; failed: StepResult | null } = { best: null, failed: null };
  const attempt = async (rate: number) => {
    let result = await runStep(rate);
    steps.push(result);
    if (!result.sustained && result.otherCores > DISTURBED_CORES) {
      result = await runStep(rate);
      steps.push(result);
    }
    if (result.sustained) edge.best = result;
    else edge.failed = result;
    return result.sustained;
  };

  let rate = plan.startRate;
  if (await attempt(rate)) {
    while (rate * plan.growth <= plan.maxRate && (await attempt((rate *= plan.growth))));
  } else {
    while (rate / plan.growth >= plan.minRate && !(await attempt((rate /= plan.growth))));
  }
  for (let i = 0; i < plan.refineSteps; i++) {
    const { best, failed } = edge;
    if (!best || !failed || failed.offeredPerSec / best.offeredPerSec < 1.05) break;
    await attempt(Math.sqrt(best.offeredPerSec * failed.offeredPerSec));
  }
  return { best: edge.best, steps };
}

/**
 * A message id as the SDK makes them, time-ordered (UUIDv7), so the server's
 * index of ids sees what it sees from real clients; then the step it was sent
 * in and how many receivers it has, for the answer to find its step's ledger.
 */
export function messageId(step: number, recipients: number): string {
  return `${Bun.randomUUIDv7()}k${step}n${recipients}`;
}

export function parseMessageId(id: string): { step: number; recipients: number } {
  const step = id.lastIndexOf("k");
  const recipients = id.lastIndexOf("n");
  return { step: Number(id.slice(step + 1, recipients)), recipients: Number(id.slice(recipients + 1)) };
}
