import { Unsupported } from "../../drivers/driver.ts";
import type { CatchupParams } from "../job.ts";
import { DeliveryLedger } from "../ledger.ts";
import { formatProbe, parseProbe } from "../probe.ts";
import type { ScenarioContext } from "./context.ts";

const TEXT_BYTES = 64;

/**
 * Scenario 4: a device that was online once goes away, a backlog is written
 * to it, and it comes back. Measures the time from connecting to `ready` (the
 * server sends the backlog first), and that every message came once, in order.
 */
export async function catchup(context: ScenarioContext, params: CatchupParams) {
  const { driver, log } = context;
  if (!driver.stores) throw new Unsupported("keeps nothing for offline devices, so there is nothing to catch up");
  const [writer, reader] = await driver.createAccounts(["catchwriter", "catchreader"]);
  if (!writer || !reader) throw new Error("accounts were not created");
  const ledger = new DeliveryLedger();
  const readerEvents = {
    message(text: string) {
      const probe = parseProbe(text);
      if (probe) ledger.receive(0, probe.sender, probe.seq, 0);
    },
  };
  (await driver.connect(reader, readerEvents)).close();

  // Fill with a bounded window of unconfirmed sends: fast, without flooding the server's queues.
  let confirmed = 0;
  let refusal = "";
  let wake = () => {};
  const writerConnection = await driver.connect(writer, {
    message() {},
    stored() {
      confirmed++;
      wake();
    },
    refused(code, message) {
      refusal ||= `${code}: ${message}`;
      wake();
    },
  });
  const filling = performance.now();
  for (let sent = 0; sent < params.backlog; ) {
    while (sent < params.backlog && sent - confirmed < params.window) {
      const seq = ledger.send(0, 1);
      writerConnection.send(reader.name, `c${seq}`, formatProbe({ step: 0, sender: 0, seq, dueAt: 0 }, TEXT_BYTES));
      sent++;
    }
    await new Promise<void>((resolve) => (wake = resolve));
    if (refusal) throw new Error(`the server refused a backlog message: ${refusal}`);
  }
  while (confirmed < params.backlog && !refusal) await new Promise<void>((resolve) => (wake = resolve));
  const fillSeconds = (performance.now() - filling) / 1000;
  writerConnection.close();
  log(`stored a backlog of ${params.backlog} in ${fillSeconds.toFixed(2)} s`);

  const draining = performance.now();
  const readerConnection = await driver.connect(reader, readerEvents);
  const drainSeconds = (performance.now() - draining) / 1000;
  readerConnection.close();
  log(`drained ${ledger.delivered} in ${drainSeconds.toFixed(2)} s`);

  return {
    backlog: params.backlog,
    fillSeconds: round(fillSeconds),
    storedPerSec: Math.round(params.backlog / fillSeconds),
    drainSeconds: round(drainSeconds),
    drainedPerSec: Math.round(ledger.delivered / drainSeconds),
    delivered: ledger.delivered,
    lost: ledger.missing,
    duplicated: ledger.duplicates,
    outOfOrder: ledger.reordered,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
