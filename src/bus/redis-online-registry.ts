import { RedisClient, type RedisOptions } from "bun";
import type { UserId } from "../domain/types.ts";
import type { OnlineRegistry } from "../services/presence.ts";
import { RedisCircuit } from "./redis-circuit.ts";
import { keepConnected } from "./redis-connection.ts";
import { LUA_NOW_MS, LuaScript } from "./redis-script.ts";

export interface RedisOnlineRegistryOptions {
  url: string;
  /** Prepended to every key, so deployments (or tests) sharing a Redis stay apart. */
  keyPrefix: string;
  /** Names this server in Redis; a fresh random id by default, so a restarted server never inherits a dead one's entries. */
  serverId?: string;
  /** How long a server's entries outlive its last heartbeat: how long a killed server's users still look online. */
  ttlMs?: number;
  /** Passed to Bun's client (TLS, timeouts, retry count). */
  connection?: RedisOptions;
}

export interface RedisOnlineRegistry extends OnlineRegistry {
  /** Stops the heartbeat and closes the connection; this server's entries then expire after the TTL. */
  close(): Promise<void>;
}

const DEFAULT_TTL_MS = 30_000;
/** Heartbeats per TTL: one lost or late heartbeat does not make anyone look offline. */
const HEARTBEATS_PER_TTL = 3;
/** Keys per script call, so a server with many users never holds Redis up for long. */
const KEYS_PER_CALL = 500;

// The scripts take users' keys as KEYS and, where they write, this server's id and the TTL in ms as ARGV.
// A key's own expiry follows its latest entry, so it vanishes once every entry has expired.
const EXPIRE_WITH_LATEST_ENTRY = `
local function expire_with_latest_entry(key)
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if latest[2] then redis.call('PEXPIREAT', key, latest[2]) end
end
`;

/** Returns 1 when no live server had the user before this one. */
const ENTER = new LuaScript(`${LUA_NOW_MS}${EXPIRE_WITH_LATEST_ENTRY}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local was_online = redis.call('ZCARD', KEYS[1]) > 0
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
expire_with_latest_entry(KEYS[1])
if was_online then return 0 end
return 1
`);

/** Returns 1 when no live server has the user any more. */
const LEAVE = new LuaScript(`${LUA_NOW_MS}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
return 1
`);

const REFRESH = new LuaScript(`${LUA_NOW_MS}${EXPIRE_WITH_LATEST_ENTRY}
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
  expire_with_latest_entry(key)
end
return 0
`);

/** Returns, per key, 1 when some server's entry is unexpired. */
const LIVE = new LuaScript(`${LUA_NOW_MS}
local live = {}
for i, key in ipairs(KEYS) do
  live[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf') > 0 and 1 or 0
end
return live
`);

/**
 * Who is online across every server sharing one Redis.
 *
 * Each user has a sorted set in Redis, `<prefix>online:<user id>`, with one
 * entry per server where the user has a device: the server's id, scored by
 * the moment it expires. A server counts its own devices per user in memory,
 * so it touches Redis only when a user's first device arrives here or the last
 * one leaves; a user is online while any entry is unexpired. Every TTL/3 a
 * heartbeat pushes back the expiry of all this server's entries, so a server
 * killed without a word drops out of every set within the TTL, and a Redis
 * restart that lost the sets is repaired by the next heartbeat.
 *
 * Entering and leaving are Lua scripts, so of two servers racing for one user
 * exactly one sees the user come online, and exactly one sees the last device
 * go. Expiry is measured on Redis's clock, so servers' clocks need not agree.
 *
 * A user whose last server died goes offline without any `disconnected`
 * answering true: nobody is told, and no last seen is recorded.
 *
 * Calls on a connection's path go through a circuit breaker: while Redis is
 * known down they reject at once (presence lapses; the device counts here stay
 * right), and the heartbeat after the reconnect puts this server's entries back.
 */
export function createRedisOnlineRegistry(options: RedisOnlineRegistryOptions): RedisOnlineRegistry {
  const serverId = options.serverId ?? crypto.randomUUID();
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  if (!(Number.isInteger(ttlMs) && ttlMs >= HEARTBEATS_PER_TTL)) {
    throw new RangeError(`The online registry's TTL must be a whole number of milliseconds, at least ${HEARTBEATS_PER_TTL}, not ${ttlMs}.`);
  }
  const client = new RedisClient(options.url, options.connection);
  const devicesHere = new Map<UserId, number>();
  let closing = false;
  let refreshing = false;

  const keyOf = (userId: UserId) => `${options.keyPrefix}online:${userId}`;

  /** Runs `script` over `userIds` in calls of bounded size, all sent in this tick so they reach Redis in the order of the calls made around them. */
  function inBatches(script: LuaScript, userIds: UserId[], args: Array<string | number>): Promise<unknown[]> {
    const calls: Array<Promise<unknown>> = [];
    for (let start = 0; start < userIds.length; start += KEYS_PER_CALL) {
      calls.push(script.run(client, userIds.slice(start, start + KEYS_PER_CALL).map(keyOf), args));
    }
    return Promise.all(calls);
  }

  async function refresh(): Promise<void> {
    if (refreshing || closing || devicesHere.size === 0) return;
    refreshing = true;
    try {
      await inBatches(REFRESH, [...devicesHere.keys()], [serverId, ttlMs]);
    } catch {
      // Redis is out of reach: the next heartbeat tries again, and the TTL covers the gap.
    } finally {
      refreshing = false;
    }
  }

  keepConnected(client, () => closing);
  const circuit = new RedisCircuit(client, "the online registry");
  // After a reconnect Redis may have restarted empty: put our entries back at once.
  client.onconnect = () => void refresh();
  const heartbeat = setInterval(() => void refresh(), Math.floor(ttlMs / HEARTBEATS_PER_TTL));
  heartbeat.unref();

  return {
    async connected(userId) {
      const count = (devicesHere.get(userId) ?? 0) + 1;
      devicesHere.set(userId, count);
      if (count > 1) return false;
      return (await circuit.call(() => ENTER.run(client, [keyOf(userId)], [serverId, ttlMs]))) === 1;
    },
    async disconnected(userId) {
      const count = (devicesHere.get(userId) ?? 0) - 1;
      if (count > 0) {
        devicesHere.set(userId, count);
        return false;
      }
      devicesHere.delete(userId);
      return (await circuit.call(() => LEAVE.run(client, [keyOf(userId)], [serverId, ttlMs]))) === 1;
    },
    async onlineAmong(userIds) {
      const unique = [...new Set(userIds)];
      const live = (await circuit.call(() => inBatches(LIVE, unique, []))).flat() as number[];
      return new Set(unique.filter((_, index) => live[index] === 1));
    },
    async close() {
      closing = true;
      circuit.close();
      clearInterval(heartbeat);
      client.close();
    },
  } satisfies RedisOnlineRegistry;
}
