import { expect, test } from "bun:test";
import { SQL } from "bun";
import { isStoreUnavailable, storeUnavailable } from "../../src/store/unavailable.ts";

const postgres = (code: string, errno?: string) => new SQL.PostgresError("x", { code, errno });

test("a database that cannot be used now is store_unavailable; a request the database refused is not", () => {
  for (const unavailable of [
    postgres("ERR_POSTGRES_CONNECTION_REFUSED"),
    postgres("ERR_POSTGRES_CONNECTION_CLOSED"),
    postgres("ERR_POSTGRES_CONNECTION_TIMEOUT"),
    postgres("ERR_POSTGRES_SERVER_ERROR", "57P01"), // admin shutdown
    postgres("ERR_POSTGRES_SERVER_ERROR", "57P03"), // starting up
    postgres("ERR_POSTGRES_SERVER_ERROR", "53100"), // disk full
    postgres("ERR_POSTGRES_SERVER_ERROR", "08006"), // connection failure
    new Error("database or disk is full"), // as the SQLite writer thread reports it
    new Error("attempt to write a readonly database"),
    new Error("disk I/O error"),
    Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" }),
  ]) {
    expect([unavailable.message, isStoreUnavailable(unavailable)]).toEqual([unavailable.message, true]);
  }
  for (const bug of [postgres("ERR_POSTGRES_SERVER_ERROR", "23505"), postgres("ERR_POSTGRES_SERVER_ERROR", "42P01"), new Error("UNIQUE constraint failed: users.name"), new TypeError("x is undefined"), "a string"]) {
    expect(isStoreUnavailable(bug)).toBe(false);
  }
});

test("the ChatError says when to retry and keeps the driver's error as its cause", () => {
  const cause = postgres("ERR_POSTGRES_CONNECTION_REFUSED");
  const error = storeUnavailable(cause)!;
  expect(error.code).toBe("store_unavailable");
  expect(error.retryAfterMs).toBeGreaterThan(0);
  expect(error.cause).toBe(cause);
  expect(storeUnavailable(new Error("a bug"))).toBeUndefined();
});
