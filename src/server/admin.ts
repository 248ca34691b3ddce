import { existsSync } from "node:fs";
import { join } from "node:path";
import { AccountName, Password } from "../protocol/names.ts";
import { ARGON2ID, hashInviteCode, newInviteCode } from "../services/accounts.ts";
import { openPostgresStore } from "../store/postgres/postgres-store.ts";
import { SQLITE_FILE_NAME } from "../store/sqlite/index.ts";
import { openSqliteStore } from "../store/sqlite/threaded-store.ts";
import type { Store } from "../store/store.ts";
import { ConfigError, parseServerArgs, type ServerConfig } from "./config.ts";
import { storeFailure } from "./start-failures.ts";


/** Thrown with one sentence for the operator; the command exits 1. */
class AdminFailure extends Error {}

interface AdminCommand {
  /** Flags of the command itself, besides the server's store options; boolean ones take no value. */
  flags: string[];
  booleans?: string[];
  /** Whether it takes a user's name before its flags. */
  takesName?: boolean;
  run(store: Store, flags: Record<string, string | undefined>, now: number, name: string): Promise<string[]>;
}

/** The user's name as register and login take it, or a usage error. */
function userName(given: string | undefined, command: string): string {
  if (given === undefined || given.startsWith("-")) throw new ConfigError(`admin ${command} needs a user's name: chat-server admin ${command} <name>.`);
  const parsed = AccountName.safeParse(given);
  if (!parsed.success) throw new ConfigError(`${JSON.stringify(given)} is not a user's name: ${parsed.error.issues[0]?.message}.`);
  return parsed.data;
}

const when = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z"));

async function existingUser(store: Store, name: string) {
  const user = await store.userByName(name);
  if (!user) throw new AdminFailure(`There is no user named '${name}'.`);
  return user;
}

/** A new random password: 20 characters of a-z and 2-7 (100 bits). */
function newPassword(): string {
  return newInviteCode().slice(0, 20);
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `12h`, `7d`; `never` for no expiry (null). */
function parseDuration(text: string): number | null {
  if (text === "never") return null;
  const match = /^([1-9]\d{0,5})([mhd])$/.exec(text);
  if (!match) throw new ConfigError(`Invalid --expires ${JSON.stringify(text)}: give minutes, hours or days like 30m, 12h or 7d, or never.`);
  return Number(match[1]) * DURATION_UNITS[match[2]!]!;
}

const COMMANDS: Record<string, AdminCommand> = {
  invite: {
    flags: ["uses", "expires"],
    async run(store, flags, now) {
      const usesText = flags.uses ?? "1";
      if (!/^[1-9]\d{0,5}$/.test(usesText)) throw new ConfigError(`Invalid --uses ${JSON.stringify(usesText)}: a whole number from 1 to 999999.`);
      const uses = Number(usesText);
      const lifetime = parseDuration(flags.expires ?? "7d");
      const expiresAt = lifetime === null ? null : now + lifetime;
      const code = newInviteCode();
      await store.createInvite(hashInviteCode(code), uses, expiresAt, now);
      const until = expiresAt === null ? "never expires" : `valid until ${new Date(expiresAt).toISOString().replace(/\.\d+Z$/, "Z")}`;
      return [`Invite for ${uses} registration${uses === 1 ? "" : "s"}, ${until} (the server needs --registration invite):`, code];
    },
  },
  users: {
    flags: [],
    async run(store) {
      const users = await store.listUsers();
      const rows = users.map((user) => [user.name, when(user.createdAt), when(user.lastActive), String(user.devices), user.deactivated ? "deactivated" : "active"]);
      const table = [["name", "created", "last active", "devices", "state"], ...rows];
      const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
      return [...table.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()), `${users.length} user${users.length === 1 ? "" : "s"}.`];
    },
  },
  deactivate: {
    flags: [],
    takesName: true,
    async run(store, _flags, now, name) {
      const user = await existingUser(store, name);
      const devices = (await store.devicesOf(user.id)).length;
      if ((await store.accountState(user.id)) === "deactivated") return [`${name} is deactivated already.`];
      await store.setDeactivated(name, now);
      return [`Deactivated ${name}: ${devices} device${devices === 1 ? "" : "s"} logged out; logins, sends and messages to ${name} are refused.`];
    },
  },
  reactivate: {
    flags: [],
    takesName: true,
    async run(store, _flags, _now, name) {
      const user = await existingUser(store, name);
      if ((await store.accountState(user.id)) !== "deactivated") return [`${name} is active already.`];
      await store.setDeactivated(name, null);
      return [`Reactivated ${name}: ${name} may log in again (with the same password).`];
    },
  },
  "reset-password": {
    flags: [],
    booleans: ["stdin"],
    takesName: true,
    async run(store, flags, _now, name) {
      await existingUser(store, name);
      let password = newPassword();
      if (flags.stdin !== undefined) {
        password = (await new Response(Bun.stdin.stream()).text()).replace(/\r?\n$/, "");
        const checked = Password.safeParse(password);
        if (!checked.success) throw new AdminFailure(`The password on standard input is not valid: ${checked.error.issues[0]?.message}.`);
      }
      await store.setPasswordHash(name, await ARGON2ID(password));
      if (flags.stdin !== undefined) return [`Set a new password for ${name}; every device of ${name} was logged out.`];
      return [`New password for ${name} (every device of ${name} was logged out; give it to them privately):`, password];
    },
  },
  "delete-user": {
    flags: [],
    takesName: true,
    async run(store, _flags, now, name) {
      const user = await existingUser(store, name);
      const devices = (await store.devicesOf(user.id)).length;
      await store.deleteAccount(name, now);
      return [
        `Deleted ${name}: ${devices} device${devices === 1 ? "" : "s"} logged out, left every group; their messages stay as 'deleted account', and the name is free after the server's --name-reuse-days.`,
      ];
    },
  },
};

/** Takes the command's own `--flag value` / `--flag=value` pairs out of argv; the rest are the server's options. */
function splitFlags(argv: string[], names: string[], booleans: string[] = []): { own: Record<string, string | undefined>; rest: string[] } {
  const own: Record<string, string | undefined> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = booleans.find((name) => arg === `--${name}`);
    if (flag !== undefined) {
      own[flag] = "yes";
      continue;
    }
    const name = names.find((flag) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
    if (name === undefined) {
      rest.push(arg);
      continue;
    }
    if (arg.includes("=")) own[name] = arg.slice(arg.indexOf("=") + 1);
    else {
      const value = argv[++i];
      if (value === undefined) throw new ConfigError(`--${name} needs a value.`);
      own[name] = value;
    }
  }
  return { own, rest };
}

async function openStore(config: ServerConfig): Promise<Store> {
  if (config.databaseUrl) return openPostgresStore(config.databaseUrl, { schema: config.databaseSchema });
  if (!existsSync(join(config.dataDir, SQLITE_FILE_NAME))) {
    throw new AdminFailure(`There is no chat database in ${config.dataDir}: give the server's --data (CHAT_DATA_DIR), or --database-url for PostgreSQL.`);
  }
  return openSqliteStore(config.dataDir);
}

/**
 * `chat-server admin <command> …`: changes the configured store (the server's --data or --database-url),
 * also while servers run on it. Prints its result and exits 0, or one sentence and 1 (2 for a usage error).
 */
export async function admin(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  let config: ServerConfig;
  let flags: Record<string, string | undefined>;
  let target = "";
  try {
    if (command === undefined) {
      throw new ConfigError(
        `${name === undefined ? "admin needs a command" : `admin has no command ${JSON.stringify(name)}`}: ${Object.keys(COMMANDS).join(", ")}. Run chat-server --help.`,
      );
    }
    if (command.takesName) target = userName(args.shift(), name!);
    const split = splitFlags(args, command.flags, command.booleans);
    flags = split.own;
    const parsed = parseServerArgs(split.rest, env);
    if (parsed.kind !== "run") throw new ConfigError(`admin ${name} takes the server's store options (--data, --database-url, --database-schema).`);
    config = parsed.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`chat-server: ${error.message}`);
    return 2;
  }
  let store: Store | undefined;
  try {
    store = await openStore(config);
    const lines = await command.run(store, flags, Date.now(), target);
    for (const line of lines) console.log(line);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`chat-server: ${error.message}`);
      return 2;
    }
    const sentence = error instanceof AdminFailure ? error.message : storeFailure(error, config);
    if (sentence === undefined) throw error;
    console.error(`chat-server: ${sentence}`);
    return 1;
  } finally {
    await store?.close();
  }
}
