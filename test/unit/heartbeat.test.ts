import { expect, test } from "bun:test";
import { Heartbeat, type PingableSocket } from "../../src/server/heartbeat.ts";

class FakeSocket implements PingableSocket {
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

test("the heartbeat pings a slice of the sockets at a time, and every socket within its interval", async () => {
  // Pings every second: ten slices, one swept every 100 ms.
  const heartbeat = new Heartbeat<FakeSocket>(3_000, () => {});
  const sockets = Array.from({ length: 20 }, () => new FakeSocket());
  for (const socket of sockets) heartbeat.add(socket);
  try {
    await until(() => sockets.some((socket) => socket.pings > 0));
    expect(sockets.filter((socket) => socket.pings > 0).length).toBe(2);
    await until(() => sockets.every((socket) => socket.pings > 0));
    expect(Math.max(...sockets.map((socket) => socket.pings))).toBe(1);
  } finally {
    heartbeat.stop();
  }
});

test("a socket not heard from for the dead time is terminated and reported; one heard from is kept", async () => {
  const dead: FakeSocket[] = [];
  let now = 0;
  const heartbeat = new Heartbeat<FakeSocket>(300, (socket) => dead.push(socket), () => now);
  const [silent, talking] = [new FakeSocket(), new FakeSocket()];
  heartbeat.add(silent);
  heartbeat.add(talking);
  try {
    now = 300;
    heartbeat.heard(talking);
    await until(() => dead.length > 0);
    expect(dead).toEqual([silent]);
    expect([silent.terminated, talking.terminated]).toEqual([true, false]);
    expect(heartbeat.size).toBe(1);
  } finally {
    heartbeat.stop();
  }
});
