import { describe, expect, test } from "bun:test";
import { TokenBucket } from "../../src/domain/token-bucket.ts";
import { ChatError } from "../../src/protocol/index.ts";
import { LoginThrottle } from "../../src/services/login-throttle.ts";
import { MemoryRateLimiter } from "../../src/services/rate-limiter.ts";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe("token bucket", () => {
  test("allows a burst of its capacity, then says how long to wait", () => {
    const bucket = new TokenBucket({ capacity: 3, perSecond: 2 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(500);
    // A refused take costs nothing: the wait shrinks with time only.
    expect(bucket.take(200)).toBe(300);
    expect(bucket.take(500)).toBe(0);
  });

  test("refills at its rate up to its capacity, never beyond", () => {
    const bucket = new TokenBucket({ capacity: 2, perSecond: 1 }, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.isFull(60_000)).toBe(true);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([0, 0, 1000]);
  });

  test("a rate that could never refill is refused at construction", () => {
    expect(() => new TokenBucket({ capacity: 0, perSecond: 1 }, 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ capacity: 5, perSecond: 0 }, 0)).toThrow(RangeError);
  });
});

describe("in-memory rate limiter", () => {
  test("keys have separate buckets", async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ capacity: 1, perSecond: 1 }, clock.now);
    expect(await limiter.take("alice")).toBe(0);
    expect(await limiter.take("alice")).toBe(1000);
    expect(await limiter.take("bob")).toBe(0);
  });

  test("reset refills a key at once", async () => {
    const limiter = new MemoryRateLimiter({ capacity: 1, perSecond: 0.001 });
    await limiter.take("alice");
    await limiter.reset("alice");
    expect(await limiter.take("alice")).toBe(0);
  });

  test("buckets that refilled are forgotten, so memory follows active keys only", async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ capacity: 1, perSecond: 1 }, clock.now);
    for (let i = 0; i < 9_999; i++) await limiter.take(`address-${i}`);
    clock.advance(1000);
    await limiter.take("one more");
    expect(limiter.size).toBe(1);
  });
});

describe("login throttle", () => {
  const wrongPassword = () => Promise.reject(new ChatError("wrong_password", "The name and password do not match."));
  const succeed = () => Promise.resolve("session");

  function throttle(clock: ReturnType<typeof manualClock>, failures = 3, perAddress = 100) {
    return new LoginThrottle({
      attemptsPerAddress: new MemoryRateLimiter({ capacity: perAddress, perSecond: perAddress / 60 }, clock.now),
      failuresPerName: new MemoryRateLimiter({ capacity: failures, perSecond: 1 / 60 }, clock.now),
    });
  }

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    return promise.then(
      () => "ok",
      (error: ChatError) => error.code,
    );
  }

  test("after too many failures the name is locked for that address, even for the right password, with a sentence and the wait", async () => {
    const clock = manualClock();
    const logins = throttle(clock);
    for (let i = 0; i < 3; i++) expect(await codeOf(logins.login("alice", "10.0.0.1", wrongPassword))).toBe("wrong_password");
    // Not for the owner at another address: a stranger cannot lock them out.
    expect(await codeOf(logins.login("alice", "10.0.0.2", succeed))).toBe("ok");
    const locked = await logins.login("alice", "10.0.0.1", succeed).catch((error: ChatError) => error);
    expect(locked).toBeInstanceOf(ChatError);
    expect(locked).toMatchObject({ code: "rate_limited", retryAfterMs: 60_000 });
    expect((locked as ChatError).message).toBe("Too many failed logins for 'alice': try again in 60 seconds.");
    // Other names are not affected; after the wait one more try is allowed.
    expect(await codeOf(logins.login("bob", "10.0.0.1", succeed))).toBe("ok");
    clock.advance(60_000);
    expect(await codeOf(logins.login("alice", "10.0.0.1", succeed))).toBe("ok");
  });

  test("failures from many addresses together lock the name for everyone, more slowly", async () => {
    const clock = manualClock();
    const logins = new LoginThrottle({
      failuresPerName: new MemoryRateLimiter({ capacity: 3, perSecond: 1 / 60 }, clock.now),
      failuresPerNameEverywhere: new MemoryRateLimiter({ capacity: 10, perSecond: 1 / 60 }, clock.now),
    });
    for (let i = 0; i < 10; i++) expect(await codeOf(logins.login("alice", `10.0.0.${i}`, wrongPassword))).toBe("wrong_password");
    const locked = await logins.login("alice", "10.9.9.9", succeed).catch((error: ChatError) => error);
    expect(locked).toMatchObject({ code: "rate_limited", retryAfterMs: 60_000 });
    expect((locked as ChatError).message).toBe("Too many failed logins for 'alice' from many addresses: try again in 60 seconds.");
    clock.advance(60_000);
    expect(await codeOf(logins.login("alice", "10.9.9.9", succeed))).toBe("ok");
  });

  test("a successful login forgives earlier failures", async () => {
    const clock = manualClock();
    const logins = throttle(clock);
    for (let round = 0; round < 3; round++) {
      await codeOf(logins.login("alice", "10.0.0.1", wrongPassword));
      await codeOf(logins.login("alice", "10.0.0.1", wrongPassword));
      expect(await codeOf(logins.login("alice", "10.0.0.1", succeed))).toBe("ok");
    }
  });

  test("guesses sent at once cannot all slip in before the failures are counted", async () => {
    const clock = manualClock();
    const logins = throttle(clock);
    // Every password check waits until all ten guesses are in flight.
    const { promise: allSent, resolve: release } = Promise.withResolvers<void>();
    const pending = Array.from({ length: 10 }, () => codeOf(logins.login("alice", "10.0.0.1", () => allSent.then(wrongPassword))));
    release();
    const codes = await Promise.all(pending);
    expect(codes.filter((code) => code === "wrong_password")).toHaveLength(3);
    expect(codes.filter((code) => code === "rate_limited")).toHaveLength(7);
  });

  test("one address is limited across names and across register and login", async () => {
    const clock = manualClock();
    const logins = throttle(clock, 100, 4);
    expect(await codeOf(logins.register("10.0.0.1", succeed))).toBe("ok");
    expect(await codeOf(logins.login("alice", "10.0.0.1", succeed))).toBe("ok");
    expect(await codeOf(logins.login("bob", "10.0.0.1", wrongPassword))).toBe("wrong_password");
    expect(await codeOf(logins.register("10.0.0.1", succeed))).toBe("ok");
    const refused = await logins.register("10.0.0.1", succeed).catch((error: ChatError) => error);
    expect(refused).toMatchObject({ code: "rate_limited", retryAfterMs: 15_000 });
    expect((refused as ChatError).message).toContain("try again in 15 seconds");
    expect(await codeOf(logins.login("carol", "10.0.0.2", succeed))).toBe("ok");
  });
});
