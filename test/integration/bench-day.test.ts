import { afterEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DayDevice, type DeviceListener } from "../../bench/capacity/day-device.ts";
import { type DayParams, dayTraffic } from "../../bench/capacity/day-traffic.ts";
import { QUICK_CAPACITY } from "../../bench/capacity/plan.ts";
import { seedDay } from "../../bench/capacity/seed-day.ts";
import { socialGraph } from "../../bench/capacity/social-graph.ts";
import { type TestServer, startTestServer, tempDir } from "../helpers/server.ts";

const SPEC = { users: 400, directsPerUser: [5, 20] as [number, number], groupsPerUser: [1, 3] as [number, number], groupSize: [5, 200] as [number, number], seed: 17 };

describe("the day's social graph", () => {
  test("is the same for the same seed, and everyone's numbers lie in their ranges", () => {
    const graph = socialGraph(SPEC);
    expect(socialGraph(SPEC)).toEqual(graph);
    const directs = new Array(SPEC.users).fill(0);
    const pairs = new Set<string>();
    for (const [a, b] of graph.directs) {
      expect(a).not.toBe(b);
      pairs.add(`${Math.min(a, b)}:${Math.max(a, b)}`);
      directs[a]++;
      directs[b]++;
    }
    expect(pairs.size).toBe(graph.directs.length);
    expect(Math.min(...directs)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...directs)).toBeLessThanOrEqual(20);
    const groups = new Array(SPEC.users).fill(0);
    for (const members of graph.groups) {
      expect(new Set(members).size).toBe(members.length);
      expect(members.length).toBeGreaterThanOrEqual(5);
      expect(members.length).toBeLessThanOrEqual(200);
      for (const member of members) groups[member]++;
    }
    expect(Math.min(...groups)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...groups)).toBeLessThanOrEqual(3);
  });
});

describe("the realistic day against a real server", () => {
  let server: TestServer | undefined;
  let worldDir: string | undefined;
  afterEach(async () => {
    await server?.cleanup();
    if (worldDir) rmSync(worldDir, { recursive: true, force: true });
    server = worldDir = undefined;
  });

  async function seededServer(users: number) {
    const dataDir = tempDir();
    const world = await seedDay(dataDir, socialGraph({ ...SPEC, users, groupSize: [5, 20] }), () => {});
    server = await startTestServer({ dataDir, config: { userMessageRate: 0, connectionFrameRate: 0 } });
    return world;
  }

  test("a device that was away gets what was sent meanwhile on its return, once, after its cursors", async () => {
    const world = await seededServer(30);
    const { a, b } = world.directs[0]!;
    const texts: string[] = [];
    let stored = 0;
    const waiters: Array<() => void> = [];
    const changed = () => waiters.splice(0).forEach((wake) => wake());
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise<void>((wake) => waiters.push(wake));
    };
    const listener: DeviceListener = { processed: (_device, text) => (texts.push(text), changed()), stored: () => (stored++, changed()), refused() {}, dropped() {}, marked() {} };
    const conversationsOf = (user: number) => world.directs.filter((direct) => direct.a === user || direct.b === user).map((direct) => direct.conv);
    const sender = new DayDevice(a, world.accounts[a]!, conversationsOf(a), 1000, listener);
    const receiver = new DayDevice(b, world.accounts[b]!, conversationsOf(b), 1000, listener);
    await sender.connect(server!.url);
    await receiver.connect(server!.url);

    const to = world.accounts[b]!.name;
    sender.send(to, "m-1", "before");
    await until(() => texts.length === 1);
    receiver.disconnect();
    sender.send(to, "m-2", "while away");
    sender.send(to, "m-3", "still away");
    await until(() => stored === 3);
    await receiver.connect(server!.url);
    await until(() => texts.length >= 3);
    expect(texts).toEqual(["before", "while away", "still away"]);
    expect(receiver.repeats).toBe(0);
    sender.disconnect();
    receiver.disconnect();
  });

  test("delivers every message of a short day to every member, live or replayed, none twice", async () => {
    const world = await seededServer(40);
    worldDir = tempDir("chat-test-day-");
    const worldFile = join(worldDir, "world.json");
    await Bun.write(worldFile, JSON.stringify(world));
    const params: DayParams = {
      ...QUICK_CAPACITY.day.traffic,
      worldFile,
      msgsPerSec: 60,
      seconds: 2,
      warmupSeconds: 0.5,
      bucketSeconds: 1,
      // Four of forty drop each second, so that replays happen in two seconds.
      reconnectsPerSec: 0.1,
      offlineMs: [100, 400],
      settleStallMs: 2000,
      settleTimeoutMs: 20_000,
    };
    const day = await dayTraffic({ name: "app", protocol: "app", baseUrl: server!.url, pid: process.pid }, params, () => {});
    expect(day.settle).toBe("complete");
    expect({ lost: day.lost, duplicated: day.duplicated, unexpected: day.unexpected, refused: day.refused, unconfirmed: day.unconfirmed }).toEqual({
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      refused: 0,
      unconfirmed: 0,
    });
    expect(day.delivered).toBe(day.expected);
    expect(day.sent.group).toBeGreaterThan(0);
    expect(day.reconnects).toBeGreaterThan(0);
    expect(day.replayed.count).toBeGreaterThan(0);
    expect(day.live.count + day.replayed.count).toBeLessThanOrEqual(day.delivered);
    expect(day.buckets).toHaveLength(2);
  });
});
