import { describe, expect, test } from "bun:test";
import type { BenchConnection, ConnectionEvents } from "../../bench/drivers/driver.ts";
import { DeliveryLedger } from "../../bench/loadgen/ledger.ts";
import { OpenLoop } from "../../bench/loadgen/open-loop.ts";
import { formatProbe, parseProbe } from "../../bench/loadgen/probe.ts";

describe("the bench's delivery ledger", () => {
  test("counts every message delivered once, with nothing lost or repeated", () => {
    const ledger = new DeliveryLedger();
    const seqs = [0, 1, 2].map(() => ledger.send(7, 1));
    for (const seq of seqs) expect(ledger.receive(1, 7, seq, 1)).toBe("new");
    expect({ delivered: ledger.delivered, missing: ledger.missing, duplicates: ledger.duplicates }).toEqual({ delivered: 3, missing: 0, duplicates: 0 });
  });

  test("counts a repeat as a duplicate, not as a second delivery", () => {
    const ledger = new DeliveryLedger();
    ledger.send(0, 1);
    ledger.send(0, 1);
    ledger.receive(1, 0, 0, 1);
    ledger.receive(1, 0, 1, 1);
    expect(ledger.receive(1, 0, 0, 1)).toBe("duplicate");
    expect(ledger.receive(1, 0, 1, 1)).toBe("duplicate");
    expect({ delivered: ledger.delivered, duplicates: ledger.duplicates, missing: ledger.missing }).toEqual({ delivered: 2, duplicates: 2, missing: 0 });
  });

  test("counts what never arrived as missing, even when later messages did", () => {
    const ledger = new DeliveryLedger();
    for (let i = 0; i < 5; i++) ledger.send(0, 1);
    for (const seq of [0, 2, 4]) ledger.receive(1, 0, seq, 1);
    expect(ledger.missing).toBe(2);
    expect(ledger.duplicates).toBe(0);
  });

  test("takes a late arrival as a delivery, and a repeat of an early one as a duplicate", () => {
    const ledger = new DeliveryLedger();
    for (let i = 0; i < 3; i++) ledger.send(0, 1);
    ledger.receive(1, 0, 2, 1);
    expect(ledger.receive(1, 0, 2, 1)).toBe("duplicate");
    expect(ledger.receive(1, 0, 0, 1)).toBe("new");
    expect(ledger.receive(1, 0, 1, 1)).toBe("new");
    expect(ledger.receive(1, 0, 2, 1)).toBe("duplicate");
    expect({ delivered: ledger.delivered, duplicates: ledger.duplicates, reordered: ledger.reordered, missing: ledger.missing }).toEqual({
      delivered: 3,
      duplicates: 2,
      reordered: 1,
      missing: 0,
    });
  });

  test("counts each receiver of a group message on its own", () => {
    const ledger = new DeliveryLedger();
    const seq = ledger.send(0, 3);
    for (const receiver of [1, 2]) expect(ledger.receive(receiver, 0, seq, 1)).toBe("new");
    expect(ledger.receive(2, 0, seq, 1)).toBe("duplicate");
    expect(ledger.missing).toBe(1);
  });

  test("flags a number its sender never used", () => {
    const ledger = new DeliveryLedger();
    ledger.send(0, 1);
    expect(ledger.receive(1, 0, 1, 1)).toBe("unexpected");
    expect(ledger.receive(1, 5, 0, 1)).toBe("unexpected");
    expect({ unexpected: ledger.unexpected, delivered: ledger.delivered }).toEqual({ unexpected: 2, delivered: 0 });
  });
});

describe("the bench's message probe", () => {
  test("reads back the step, sender, number and due time it was written with, padded to size", () => {
    const text = formatProbe({ step: 3, sender: 41, seq: 1234, dueAt: 98765.4321 }, 64);
    expect(text).toHaveLength(64);
    expect(parseProbe(text)).toEqual({ step: 3, sender: 41, seq: 1234, dueAt: 98765.432 });
  });

  test("ignores text the bench did not write", () => {
    expect(parseProbe("Hello Bob, how are you?")).toBeNull();
  });
});

/** A stand-in for a target that loses and repeats messages on purpose: each send reaches the receiver's events after a tick. */
function lossyPair(dropEvery: number, repeatEvery: number) {
  const receivers: ConnectionEvents[] = [];
  let sends = 0;
  const stats = { dropped: 0, repeated: 0 };
  const connection = (self: number): BenchConnection => ({
    send(_to, _id, text) {
      sends++;
      if (sends % dropEvery === 0) {
        stats.dropped++;
        return;
      }
      const deliveries = sends % repeatEvery === 0 ? 2 : 1;
      stats.repeated += deliveries - 1;
      for (let i = 0; i < deliveries; i++) setTimeout(() => receivers[self ^ 1]!.message(text, "peer"), 0);
    },
    close() {},
  });
  return { receivers, connections: [connection(0), connection(1)], stats };
}

describe("the bench's open-loop step", () => {
  test("reports exactly the messages a target lost and the ones it repeated", async () => {
    const loop = new OpenLoop({
      targetPids: [process.pid],
      confirms: false,
      textBytes: 48,
      latencyBudgetMs: 1000,
      stallMs: 200,
      drainTimeoutMs: 2000,
    });
    const pair = lossyPair(10, 7);
    pair.receivers.push(loop.eventsFor(0), loop.eventsFor(1));
    const traffic = { senders: pair.connections, route: (sender: number) => ({ to: `user${sender ^ 1}`, recipients: 1 }) };

    const step = await loop.run(traffic, 2000, 0.1);

    expect(step.sent).toBe(200);
    expect(pair.stats.dropped).toBe(20);
    expect({ lost: step.lost, duplicates: step.duplicates, delivered: step.delivered }).toEqual({
      lost: pair.stats.dropped,
      duplicates: pair.stats.repeated,
      delivered: 200 - pair.stats.dropped,
    });
    expect(step.sustained).toBe(false);
    expect(step.verdict).toContain("20 not delivered");
    expect(loop.totals()).toEqual({ lost: 20, duplicates: pair.stats.repeated, unexpected: 0 });
  });

  test("counts a send the target refused as refused, not as lost", async () => {
    const loop = new OpenLoop({ targetPids: [process.pid], confirms: false, textBytes: 48, latencyBudgetMs: 1000, stallMs: 200, drainTimeoutMs: 2000 });
    const pair = lossyPair(10, Number.MAX_SAFE_INTEGER);
    let sends = 0;
    let refusals = 0;
    // Every 4th send is refused, as a target says so: an error naming the message's id to its sender.
    const refusing = pair.connections.map((connection, self): BenchConnection => ({
      send(to, id, text) {
        if (++sends % 4 === 0) {
          refusals++;
          setTimeout(() => pair.receivers[self]!.refused?.("rate_limited", "too many", id), 0);
          return;
        }
        connection.send(to, id, text);
      },
      close() {},
    }));
    pair.receivers.push(loop.eventsFor(0), loop.eventsFor(1));
    const traffic = { senders: refusing, route: (sender: number) => ({ to: `user${sender ^ 1}`, recipients: 1 }) };

    const step = await loop.run(traffic, 2000, 0.1);

    expect(refusals).toBe(50);
    expect({ refused: step.refused, lost: step.lost }).toEqual({ refused: refusals, lost: pair.stats.dropped });
    expect(pair.stats.dropped).toBe(15);
    expect(step.sustained).toBe(false);
  });

  test("calls a step sustained when every message arrived once", async () => {
    const loop = new OpenLoop({ targetPids: [process.pid], confirms: false, textBytes: 48, latencyBudgetMs: 1000, stallMs: 200, drainTimeoutMs: 2000 });
    const pair = lossyPair(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    pair.receivers.push(loop.eventsFor(0), loop.eventsFor(1));
    const traffic = { senders: pair.connections, route: (sender: number) => ({ to: `user${sender ^ 1}`, recipients: 1 }) };

    const step = await loop.run(traffic, 2000, 0.1);

    expect({ lost: step.lost, duplicates: step.duplicates, delivered: step.delivered, sustained: step.sustained }).toEqual({
      lost: 0,
      duplicates: 0,
      delivered: 200,
      sustained: true,
    });
  });
});
