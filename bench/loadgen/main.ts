/**
 * The load generator: one process per (scenario, target), started by
 * bench/run.ts with a job as JSON in argv[2]. Progress goes to stderr; the
 * result is the last line of stdout, as JSON.
 */
import { dayTraffic } from "../capacity/day-traffic.ts";
import { appDriver } from "../drivers/app.ts";
import { Unsupported } from "../drivers/driver.ts";
import { relayDriver } from "../drivers/relay.ts";
import type { LoadgenJob } from "./job.ts";
import { catchup } from "./scenarios/catchup.ts";
import { connections } from "./scenarios/connections.ts";
import type { ScenarioContext } from "./scenarios/context.ts";
import { fanout } from "./scenarios/fanout.ts";
import { oneToOne } from "./scenarios/one-to-one.ts";

const job = JSON.parse(process.argv[2] ?? "null") as LoadgenJob | null;
if (!job) {
  console.error("usage: bun bench/loadgen/main.ts '<job as JSON>' (bench/run.ts writes these)");
  process.exit(2);
}

const drivers = (job.target.servers ?? [job.target]).map(({ baseUrl }) =>
  job.target.protocol === "app" ? appDriver(baseUrl, job.target.dataDir) : relayDriver(baseUrl),
);
const context: ScenarioContext = {
  driver: drivers[0]!,
  drivers,
  target: job.target,
  log: (line) => console.error(`  [${job.scenario} ${job.target.name}] ${line}`),
};

function run(job: LoadgenJob): Promise<unknown> {
  switch (job.scenario) {
    case "one-to-one":
    case "cross-server":
      return oneToOne(context, job.params);
    case "connections":
      return connections(context, job.params);
    case "fanout":
      return fanout(context, job.params);
    case "catchup":
      return catchup(context, job.params);
    case "day":
      return dayTraffic(job.target, job.params, context.log);
  }
}

try {
  console.log(JSON.stringify(await run(job)));
  process.exit(0);
} catch (error) {
  if (error instanceof Unsupported) {
    console.log(JSON.stringify({ skipped: error.message }));
    process.exit(0);
  }
  console.error(error);
  console.log(JSON.stringify({ failed: String(error instanceof Error ? error.message : error) }));
  process.exit(1);
}
