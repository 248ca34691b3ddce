import { expect, test } from "bun:test";
import type { RedisClient } from "bun";
import { DeadlineExceeded } from "../../src/domain/deadline.ts";
import { RedisCircuit, RedisUnavailable } from "../../src/bus/redis-circuit.ts";

/** The two things the circuit reads of Bun's client: whether it is connected, and a ping. */
function fakeClient() {
  const client = { connected: true, pings: 0, answers: true, ping: () => {
    client.pings++;
    return client.answers ? Promise.resolve("PONG") : new Promise<string>(() => {});
  } };
  return client;
}

test("a call that misses its deadline opens the circuit: later calls fail at once without reaching Redis, until a background ping answers", async () => {
  const client = fakeClient();
  const circuit = new RedisCircuit(client as unknown as RedisClient, "the test", 20);
  const changes: boolean[] = [];
  const closedAgain = Promise.withResolvers<void>();
  circuit.onChange((up) => {
    changes.push(up);
    if (up) closedAgain.resolve();
  });
  expect(await circuit.call(async () => 1)).toBe(1);

  let reached = 0;
  await expect(circuit.call(() => (reached++, new Promise(() => {})))).rejects.toBeInstanceOf(DeadlineExceeded);
  expect(circuit.up).toBe(false);
  await expect(circuit.call(async () => reached++)).rejects.toBeInstanceOf(RedisUnavailable);
  expect(reached).toBe(1);

  await closedAgain.promise;
  expect(changes).toEqual([false, true]);
  expect(await circuit.call(async () => 2)).toBe(2);
  circuit.close();
});

test("a client that lost its connection fails calls at once; a reply error from a live Redis does not open the circuit", async () => {
  const client = fakeClient();
  const circuit = new RedisCircuit(client as unknown as RedisClient, "the test", 20);
  expect(await circuit.call(async () => "first")).toBe("first");
  await expect(circuit.call(() => Promise.reject(new Error("ERR script error")))).rejects.toThrow("ERR script error");
  expect(circuit.up).toBe(true);

  client.connected = false;
  let reached = false;
  await expect(circuit.call(async () => (reached = true))).rejects.toBeInstanceOf(RedisUnavailable);
  expect(reached).toBe(false);
  circuit.close();
});
