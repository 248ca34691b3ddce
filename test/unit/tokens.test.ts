import { describe, expect, test } from "bun:test";
import { hashSessionToken, newSessionToken } from "../../src/domain/tokens.ts";

describe("session tokens", () => {
  test("are long, URL-safe and different every time", () => {
    const tokens = new Set(Array.from({ length: 100 }, newSessionToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  test("are stored as a hash that does not contain them and is the same for the same token", () => {
    const token = newSessionToken();
    expect(hashSessionToken(token)).toBe(hashSessionToken(token));
    expect(hashSessionToken(token)).not.toContain(token);
    expect(hashSessionToken(token)).not.toBe(hashSessionToken(newSessionToken()));
  });
});
