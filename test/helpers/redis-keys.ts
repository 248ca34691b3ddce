import { RedisClient } from "bun";

/** Deletes every key under `prefix`, so a test leaves the shared Redis as it found it. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const client = new RedisClient(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = (await client.send("SCAN", [cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]];
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    client.close();
  }
}
