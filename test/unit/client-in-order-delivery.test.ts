import { describe, expect, test } from "bun:test";
import { InOrderDelivery } from "../../src/client/sdk/in-order-delivery.ts";

/** A delivery with a record of what it released: `conv:seq` for messages, `conv:seq*` for the device's own sequence numbers. */
function recorder(cursors: Record<string, number> = {}) {
  const released: string[] = [];
  const delivery = new InOrderDelivery<string>(cursors, (conv, seq, payload) => {
    released.push(payload === undefined ? `${conv}:${seq}*` : `${conv}:${seq}`);
  });
  return { delivery, released };
}

describe("in-order delivery", () => {
  test("holds everything during the replay and releases it in order when the replay is complete", () => {
    const { delivery, released } = recorder({ "1": 2 });
    delivery.beginReplay();
    // a live message overtakes the replayed ones
    expect(delivery.offer(1, 5, "m")).toBe("held");
    expect(delivery.offer(1, 3, "m")).toBe("held");
    expect(delivery.offer(1, 4, "m")).toBe("held");
    expect(released).toEqual([]);
    delivery.finishReplay();
    expect(released).toEqual(["1:3", "1:4", "1:5"]);
    expect(delivery.cursor(1)).toBe(5);
  });

  test("drops what was already processed, by cursor and by repeat", () => {
    const { delivery, released } = recorder({ "1": 4 });
    delivery.finishReplay();
    expect(delivery.offer(1, 3, "old")).toBe("repeat");
    expect(delivery.offer(1, 4, "old")).toBe("repeat");
    expect(delivery.offer(1, 5, "new")).toBe("released");
    expect(delivery.offer(1, 5, "again")).toBe("repeat");
    expect(delivery.offer(1, 7, "later")).toBe("held");
    expect(delivery.offer(1, 7, "later again")).toBe("repeat");
    expect(released).toEqual(["1:5"]);
  });

  test("after the replay, a gap holds later messages until it fills", () => {
    const { delivery, released } = recorder({ "1": 1 });
    delivery.finishReplay();
    expect(delivery.offer(1, 3, "m")).toBe("held");
    expect(delivery.offer(1, 4, "m")).toBe("held");
    expect(delivery.isWaiting(1)).toBe(true);
    expect(delivery.offer(1, 2, "m")).toBe("released");
    expect(released).toEqual(["1:2", "1:3", "1:4"]);
    expect(delivery.isWaiting(1)).toBe(false);
  });

  test("the device's own sends fill their place in the sequence without being shown", () => {
    const { delivery, released } = recorder({ "1": 1 });
    delivery.finishReplay();
    delivery.offer(1, 3, "reply");
    delivery.offer(1, 2); // `sent` for this device's message 2
    expect(released).toEqual(["1:2*", "1:3"]);
  });

  test("conversations are independent", () => {
    const { delivery, released } = recorder({ "1": 1, "2": 7 });
    delivery.finishReplay();
    delivery.offer(1, 3, "m");
    delivery.offer(2, 8, "m");
    expect(released).toEqual(["2:8"]);
    expect(delivery.isWaiting(1)).toBe(true);
    expect(delivery.isWaiting(2)).toBe(false);
  });

  test("a conversation new to this device starts with its first live message", () => {
    const { delivery, released } = recorder();
    delivery.finishReplay();
    expect(delivery.offer(9, 40, "first seen")).toBe("released");
    expect(delivery.offer(9, 41, "next")).toBe("released");
    expect(released).toEqual(["9:40", "9:41"]);
  });

  test("a gap the server declares (retention) is skipped", () => {
    const { delivery, released } = recorder({ "1": 3 });
    delivery.beginReplay();
    delivery.skipTo(1, 17);
    delivery.offer(1, 18, "m");
    delivery.finishReplay();
    expect(released).toEqual(["1:17*", "1:18"]);
    delivery.skipTo(1, 10); // behind the cursor: nothing to do
    expect(delivery.cursor(1)).toBe(18);
  });

  test("giving up on a gap releases what is held, in order", () => {
    const { delivery, released } = recorder({ "1": 1 });
    delivery.finishReplay();
    delivery.offer(1, 5, "m");
    delivery.offer(1, 4, "m");
    delivery.releaseHeld(1);
    expect(released).toEqual(["1:4", "1:5"]);
    expect(delivery.offer(1, 6, "m")).toBe("released");
  });

  test("a new connection holds again until its replay is complete", () => {
    const { delivery, released } = recorder({ "1": 1 });
    delivery.finishReplay();
    delivery.offer(1, 2, "m");
    delivery.beginReplay();
    expect(delivery.offer(1, 3, "m")).toBe("held");
    expect(delivery.offer(1, 2, "m")).toBe("repeat");
    delivery.finishReplay();
    expect(released).toEqual(["1:2", "1:3"]);
  });
});
