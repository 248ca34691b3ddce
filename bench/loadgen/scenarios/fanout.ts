import { mapLimit } from "../../drivers/driver.ts";
import type { FanoutParams } from "../job.ts";
import { findMaxSustained } from "../open-loop.ts";
import { profiled } from "../profile-window.ts";
import { type ScenarioContext, benchNames, describeStep, openLoopFor, settle, settleAfter, workOff } from "./context.ts";

const GROUP = "benchgroup";

/**
 * Scenario 3: a few members of one large group write to it on a fixed
 * schedule; every other member must receive each message. Finds the highest
 * deliveries per second with nothing lost and latency within budget.
 */
export async function fanout(context: ScenarioContext, params: FanoutParams) {
  const { driver, log } = context;
  const accounts = await driver.seedAccounts(benchNames("member", params.members), 1);
  await driver.createGroup(GROUP, accounts);
  const loop = openLoopFor(context, params);
  const connections = await mapLimit(accounts, 32, (account, index) => driver.connect(account, loop.eventsFor(index), [GROUP]));
  // Each message reaches every member but the sending socket.
  const traffic = { senders: connections.slice(0, params.senders), route: () => ({ to: `#${GROUP}`, recipients: params.members - 1 }) };

  const warmup = await loop.run(traffic, params.search.startRate / 2, 1);
  log(`warm-up: ${describeStep(warmup)}`);
  await settle(200);

  const { best, steps } = await profiled(context.target, () =>
    findMaxSustained(async (rate) => {
      const step = await loop.run(traffic, rate, params.stepSeconds);
      log(describeStep(step));
      await settleAfter(context, loop, step);
      return step;
    }, params.search),
  );
  await workOff(loop);
  const totals = loop.totals();
  for (const connection of connections) connection.close();

  return {
    members: params.members,
    senders: params.senders,
    maxDeliveriesPerSec: best?.deliveredPerSec ?? 0,
    maxMessagesPerSec: best?.offeredPerSec ?? 0,
    best,
    steps,
    lost: totals.lost,
    duplicated: totals.duplicates,
    problems: loop.problems,
  };
}
