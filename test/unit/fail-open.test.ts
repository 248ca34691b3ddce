import { describe, expect, test } from "bun:test";
import { DeadlineExceeded, withDeadline } from "../../src/domain/deadline.ts";
import { failingOpen, MemoryRateLimiter, type RateLimiter } from "../../src/services/rate-limiter.ts";

const hanging: RateLimiter = { take: () => new Promise(() => {}), reset: () => new Promise(() => {}) };
const down: RateLimiter = { take: () => Promise.reject(new Error("Redis is unavailable")), reset: () => Promise.reject(new Error("Redis is unavailable")) };
const RATE = { capacity: 2, perSecond: 1 };

describe("a shared limiter that cannot answer", () => {
  test("lets the request through and says so, instead of holding it", async () => {
    const changes: Array<[boolean, unknown]> = [];
    expect(await failingOpen(hanging, RATE, (available, error) => changes.push([available, error])).take("user:1")).toBe(0);
    expect(changes).toHaveLength(1);
    expect(changes[0]![0]).toBe(false);
    expect(changes[0]![1]).toBeInstanceOf(DeadlineExceeded);
  });

  test("falls back to a limit of this server's own at the same rate, and says so once per outage", async () => {
    const changes: boolean[] = [];
    const limiter = failingOpen(down, RATE, (available) => changes.push(available), () => 0);
    expect(await limiter.take("user:1")).toBe(0);
    expect(await limiter.take("user:1")).toBe(0);
    expect(await limiter.take("user:1")).toBeGreaterThan(0);
    expect(changes).toEqual([false]);
  });

  test("a reset does not wait for a hanging limiter (a correct login must not hang on it)", async () => {
    const changes: boolean[] = [];
    await failingOpen(hanging, RATE, (available) => changes.push(available)).reset("alice");
    expect(changes).toEqual([false]);
  });

  test("still refuses when the limiter answers with a wait", async () => {
    const limiter = failingOpen(new MemoryRateLimiter({ capacity: 1, perSecond: 1 }), RATE, () => {
      throw new Error("should not be unavailable");
    });
    expect(await limiter.take("user:1")).toBe(0);
    expect(await limiter.take("user:1")).toBeGreaterThan(0);
  });
});

describe("withDeadline", () => {
  test("passes a prompt answer through and names what was too slow", async () => {
    expect(await withDeadline(Promise.resolve(7), 50, "a fast thing")).toBe(7);
    expect(withDeadline(new Promise(() => {}), 10, "a slow thing")).rejects.toThrow("a slow thing did not answer within 10 ms");
  });
});
