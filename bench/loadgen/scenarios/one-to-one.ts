import { mapLimit } from "../../drivers/driver.ts";
import type { OneToOneParams } from "../job.ts";
import { findMaxSustained } from "../open-loop.ts";
import { profiled } from "../profile-window.ts";
import { type ScenarioContext, benchNames, describeStep, openLoopFor, settle, settleAfter, workOff } from "./context.ts";

/**
 * Scenario 1: pairs of users write to each other on a fixed schedule. Finds
 * the highest delivered rate with nothing lost and latency within budget, then
 * measures latency at half that rate, then CPU per message at one fixed rate. Against several servers (the
 * cross-server scenario), user i connects to server i mod n, so with two the
 * partners of every pair sit on different servers and every message crosses the bus.
 */
export async function oneToOne(context: ScenarioContext, params: OneToOneParams) {
  const { driver, drivers, log } = context;
  const names = benchNames("pair", params.pairs * 2);
  const accounts = await driver.createAccounts(names);
  const loop = openLoopFor(context, params);
  const connections = await mapLimit(accounts, 32, (account, index) =>
    drivers[index % drivers.length]!.connect(account, loop.eventsFor(index)),
  );
  // Users 2k and 2k+1 are partners, so each sender's stream has exactly one receiver.
  const traffic = { senders: connections, route: (sender: number) => ({ to: names[sender ^ 1]!, recipients: 1 }) };

  // Opens every conversation and warms the JIT before anything is measured.
  const warmup = await loop.run(traffic, params.search.startRate / 2, 1);
  log(`warm-up: ${describeStep(warmup)}`);
  await settle(200);

  const { best, steps, atHalfRate } = params.cpuOnly
    ? { best: null, steps: [], atHalfRate: null }
    : await profiled(context.target, async () => {
        const search = await findMaxSustained(async (rate) => {
          const step = await loop.run(traffic, rate, params.stepSeconds);
          log(describeStep(step));
          await settleAfter(context, loop, step);
          return step;
        }, params.search);
        const half = search.best ? await loop.run(traffic, search.best.offeredPerSec / 2, params.halfRateSeconds) : null;
        if (half) log(`half rate: ${describeStep(half)}`);
        return { ...search, atHalfRate: half };
      });
  // Profiled only when it is all that runs (--cpu-only): a profiler's own cost counts as the target's.
  await workOff(loop);
  await settle(200);
  // Without the search before it, the code is not yet warm at that rate: one unmeasured second first.
  if (params.cpuOnly) await settleAfter(context, loop, await loop.run(traffic, params.cpuStep.ratePerSec, 1));
  const measureCpu = () => loop.run(traffic, params.cpuStep.ratePerSec, params.cpuStep.seconds);
  const atFixedRate = params.cpuOnly ? await profiled(context.target, measureCpu) : await measureCpu();
  log(`CPU step: ${describeStep(atFixedRate)} CPU ${atFixedRate.cpuUsPerMsg} µs/msg (Worker threads ${atFixedRate.workerCpuUsPerMsg})`);
  await workOff(loop);
  const totals = loop.totals();
  for (const connection of connections) connection.close();

  return {
    pairs: params.pairs,
    servers: drivers.length,
    maxSustainedPerSec: best?.deliveredPerSec ?? 0,
    best,
    atHalfRate,
    atFixedRate,
    steps,
    warmup,
    lost: totals.lost,
    duplicated: totals.duplicates,
    unexpected: totals.unexpected,
    problems: loop.problems,
  };
}
