import { RedisClient } from "bun";
import { freePort } from "./free-port.ts";

/** A redis-server child process of its own, which a test may kill and restart without disturbing the shared one. */
export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Kills the server abruptly, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  restart(): Promise<void>;
  /** Number of subscribers Redis counts on `channel`. */
  subscriberCount(channel: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = freePort();
  let server = await spawnRedis(port);
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    async kill() {
      server.kill("SIGKILL");
      await server.exited;
    },
    async restart() {
      server = await spawnRedis(port);
    },
    subscriberCount: (channel) => subscriberCount(url, channel),
    async stop() {
      server.kill("SIGKILL");
      await server.exited;
    },
  };
}

/** Asks Redis at `url` how many subscribers `channel` has (PUBSUB NUMSUB). */
export async function subscriberCount(url: string, channel: string): Promise<number> {
  const client = new RedisClient(url);
  try {
    const [, count] = (await client.send("PUBSUB", ["NUMSUB", channel])) as [string, number];
    return count;
  } finally {
    client.close();
  }
}

async function spawnRedis(port: number): Promise<Bun.Subprocess<"ignore", "pipe", "inherit">> {
  const child = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const deadline = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let log = "";
  try {
    while (!log.includes("Ready to accept connections")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`redis-server on port ${port} stopped before it was ready:\n${log}`);
      log += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(deadline);
  }
  // Keep reading the log so a chatty server never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return child;
}
