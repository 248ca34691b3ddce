import { expect, test } from "bun:test";
import { InOrder } from "../../src/server/in-order.ts";

test("steps run one after another in the order given, a slow one holding back those behind it, and a failed one not blocking them", async () => {
  const order = new InOrder();
  const events: string[] = [];
  const { promise: slowLookup, resolve: finishLookup } = Promise.withResolvers<void>();
  const first = order.run(async () => {
    events.push("first starts");
    await slowLookup;
    events.push("first ends");
    return 1;
  });
  const second = order.run(async () => {
    events.push("second starts");
    throw new Error("refused");
  });
  const third = order.run(async () => {
    events.push("third starts");
    return 3;
  });
  await new Promise((resolve) => setImmediate(resolve));
  expect(events).toEqual(["first starts"]);
  finishLookup();
  expect(await first).toBe(1);
  await expect(second).rejects.toThrow("refused");
  expect(await third).toBe(3);
  expect(events).toEqual(["first starts", "first ends", "second starts", "third starts"]);
});
