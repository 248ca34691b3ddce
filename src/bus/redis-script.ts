import type { RedisClient } from "bun";

/** Lua that sets `now` to Redis's clock in whole milliseconds: one clock for all servers, however far theirs drift. */
export const LUA_NOW_MS = "local clock = redis.call('TIME')\nlocal now = clock[1] * 1000 + math.floor(clock[2] / 1000)\n";

/**
 * A Lua script run atomically by Redis. It is sent by digest (EVALSHA), and
 * in full only when Redis does not know it yet, which after a Redis restart
 * is again the case.
 */
export class LuaScript {
  private readonly sha1: string;

  constructor(private readonly source: string) {
    this.sha1 = new Bun.CryptoHasher("sha1").update(source).digest("hex");
  }

  async run(client: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
