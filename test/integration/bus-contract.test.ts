import { afterEach, describe, expect, test } from "bun:test";
import { TEST_REDIS_URL } from "../helpers/deployments.ts";
import type { Bus } from "../../src/bus/bus.ts";
import { createLocalBus, InProcessHub } from "../../src/bus/in-process.ts";
import { createRedisBus } from "../../src/bus/redis.ts";
import { busInbox } from "../helpers/bus-inbox.ts";
import { subscriberCount } from "../helpers/throwaway-redis.ts";

const SHARED_REDIS_URL = TEST_REDIS_URL;

/** Makes the buses of several servers that can reach one another; `close` stops them all. */
interface Cluster {
  connect(): Bus;
  close(): Promise<void>;
}

function inProcessCluster(): Cluster {
  const hub = new InProcessHub();
  const buses: Bus[] = [];
  return {
    connect: () => {
      const bus = hub.connect();
      buses.push(bus);
      return bus;
    },
    close: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
    },
  };
}

function redisCluster(keyPrefix: string): Cluster {
  const buses: Bus[] = [];
  return {
    connect: () => {
      const bus = createRedisBus({ url: SHARED_REDIS_URL, keyPrefix });
      buses.push(bus);
      return bus;
    },
    close: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
    },
  };
}

const randomPrefix = () => `test:bus:${crypto.randomUUID()}:`;

// The same guarantees hold whichever driver carries the frames.
describe.each([
  ["in-process hub", () => inProcessCluster()],
  ["Redis", () => redisCluster(randomPrefix())],
])("bus over %s", (_driver, makeCluster) => {
  let cluster: Cluster;
  afterEach(() => cluster.close());

  async function servers(count: number): Promise<Bus[]> {
    cluster = makeCluster();
    const buses = Array.from({ length: count }, () => cluster.connect());
    await Promise.all(buses.map((bus) => bus.ready()));
    return buses;
  }

  test("a frame reaches the other server watching its topic", async () => {
    const [alpha, beta] = await servers(2);
    const betaInbox = busInbox(beta!);
    await beta!.watch("user:1");

    alpha!.publish("user:1", "hello");

    await betaInbox.until("hello");
    expect(betaInbox.frames).toEqual([{ topic: "user:1", frame: "hello" }]);
  });

  test("only servers watching a topic receive its frames", async () => {
    const [alpha, beta, gamma] = await servers(3);
    const betaInbox = busInbox(beta!);
    const gammaInbox = busInbox(gamma!);
    await beta!.watch("user:1");
    await gamma!.watch("user:2");

    alpha!.publish("user:1", "for user 1");
    alpha!.publish("user:2", "for user 2");

    // One server's frames arrive in order, so once gamma has its own frame it
    // would already hold user 1's frame had it been sent there.
    await Promise.all([betaInbox.until("for user 1"), gammaInbox.until("for user 2")]);
    expect(betaInbox.frames.map((received) => received.frame)).toEqual(["for user 1"]);
    expect(gammaInbox.frames.map((received) => received.frame)).toEqual(["for user 2"]);
  });

  test("a server never gets its own frames back", async () => {
    const [alpha, beta] = await servers(2);
    const alphaInbox = busInbox(alpha!);
    const betaInbox = busInbox(beta!);
    await alpha!.watch("group:7");
    await beta!.watch("group:7");

    alpha!.publish("group:7", "from alpha");
    await betaInbox.until("from alpha");
    beta!.publish("group:7", "from beta");
    await alphaInbox.until("from beta");

    expect(alphaInbox.frames.map((received) => received.frame)).toEqual(["from beta"]);
    expect(betaInbox.frames.map((received) => received.frame)).toEqual(["from alpha"]);
  });

  test("watching is counted: frames keep coming until the last unwatch", async () => {
    const [alpha, beta] = await servers(2);
    const betaInbox = busInbox(beta!);
    await beta!.watch("user:1"); // phone
    await beta!.watch("user:1"); // laptop
    await beta!.watch("marker");

    await beta!.unwatch("user:1");
    alpha!.publish("user:1", "laptop still here");
    await betaInbox.until("laptop still here");

    await beta!.unwatch("user:1");
    alpha!.publish("user:1", "nobody left");
    alpha!.publish("marker", "after");
    await betaInbox.until("after");

    expect(betaInbox.frames.map((received) => received.frame)).toEqual(["laptop still here", "after"]);
  });

  test("watch, unwatch and watch again in a row leaves exactly one delivery", async () => {
    const [alpha, beta] = await servers(2);
    const betaInbox = busInbox(beta!);

    void beta!.watch("user:1");
    void beta!.unwatch("user:1");
    await beta!.watch("user:1");
    alpha!.publish("user:1", "once");
    alpha!.publish("user:1", "end");
    await betaInbox.until("end");

    expect(betaInbox.frames.map((received) => received.frame)).toEqual(["once", "end"]);
  });

  test("many frames from one server arrive in the order they were published", async () => {
    const [alpha, beta] = await servers(2);
    const betaInbox = busInbox(beta!);
    await beta!.watch("user:1");
    await beta!.watch("user:2");

    const sent = Array.from({ length: 5000 }, (_, index) => ({ topic: `user:${(index % 2) + 1}`, frame: `frame ${index}` }));
    for (const { topic, frame } of sent) alpha!.publish(topic, frame);

    await betaInbox.until(sent.at(-1)!.frame, 15_000);
    expect(betaInbox.frames).toEqual(sent);
  });
});

describe("Redis bus subscriptions", () => {
  const buses: Bus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  function server(keyPrefix: string): Bus {
    const bus = createRedisBus({ url: SHARED_REDIS_URL, keyPrefix });
    buses.push(bus);
    return bus;
  }

  test("Redis holds one subscription per watching server, dropped at the last unwatch", async () => {
    const keyPrefix = randomPrefix();
    const alpha = server(keyPrefix);
    const beta = server(keyPrefix);
    await Promise.all([alpha.ready(), beta.ready()]);
    const count = () => subscriberCount(SHARED_REDIS_URL, `${keyPrefix}user:1`);

    await beta.watch("user:1");
    await beta.watch("user:1");
    expect(await count()).toBe(1);

    await alpha.watch("user:1");
    expect(await count()).toBe(2);

    await beta.unwatch("user:1");
    expect(await count()).toBe(2);
    await beta.unwatch("user:1");
    await alpha.unwatch("user:1");
    expect(await count()).toBe(0);
  });

  test("an unreachable Redis makes ready() fail with a sentence", async () => {
    const bus = createRedisBus({ url: "redis://127.0.0.1:1", connection: { maxRetries: 1, connectionTimeout: 1000 } });
    buses.push(bus);
    await expect(bus.ready()).rejects.toThrow(/The Redis bus could not connect/);
  });
});

test("a lone server's bus accepts everything and publishes nowhere", async () => {
  const bus = createLocalBus();
  const inbox = busInbox(bus);
  await bus.ready();
  await bus.watch("user:1");
  bus.publish("user:1", "to nobody");
  await bus.unwatch("user:1");
  await bus.close();
  expect(inbox.frames).toEqual([]);
});
