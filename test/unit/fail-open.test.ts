import { describe, expect, test } from "bun:test";
import { DeadlineExceeded, withDeadline } from "../../src/domain/deadline.ts";
import { failingOpen, MemoryRateLimiter, type RateLimiter } from "../../src/services/rate-limiter.ts";

const hanging: RateLimiter = { take: () => new Promise(() => {}), reset: () => new Promise(() => {}) };

describe("a shared limiter that cannot answer", () => {
  test("lets the request through and says so, instead of holding it", async () => {
    const reasons: unknown[] = [];
    expect(await failingOpen(hanging, (error) => reasons.push(error)).take("user:1")).toBe(0);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(DeadlineExceeded);
  });

  test("still refuses when the limiter answers with a wait", async () => {
    const limiter = failingOpen(new MemoryRateLimiter({ capacity: 1, perSecond: 1 }), () => {
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
