import { parseS3Url } from "../store/blobs/s3-blobs.ts";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { REGISTRATION_MODES, type RegistrationMode } from "../services/accounts.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./log.ts";
import { type Cidr, CidrError, parseCidrList } from "./proxy-trust.ts";

/** Every server option: flag, environment variable, default, and what it means. One table drives parsing and `--help`. */
const OPTIONS = {
  port: { env: "PORT", default: "8080", help: "TCP port to listen on (0 picks a free one)" },
  host: { env: "HOST", default: "0.0.0.0", help: "address to listen on" },
  registration: {
    env: "CHAT_REGISTRATION",
    default: "open",
    help: "who may register: open (anyone), invite (with a code from `chat-server admin invite`; use this on the internet) or closed",
  },
  "name-reuse-days": {
    env: "CHAT_NAME_REUSE_DAYS",
    default: "30",
    help: "days before the name of a deleted account may be registered again, as a new account (0: at once)",
  },
  data: { env: "CHAT_DATA_DIR", default: "./data", help: "directory of the SQLite database (unused with --database-url)" },
  "database-url": { env: "DATABASE_URL", default: "", help: "postgres://… : keep everything in PostgreSQL instead of SQLite (for several servers)" },
  "database-schema": { env: "CHAT_DATABASE_SCHEMA", default: "public", help: "PostgreSQL schema of the tables (created if missing)" },
  "redis-url": { env: "REDIS_URL", default: "", help: "redis://… : carry messages between servers through Redis (for several servers)" },
  "redis-prefix": { env: "CHAT_REDIS_PREFIX", default: "chat:", help: "prefix of every Redis key and channel, to share one Redis" },
  "retention-days": { env: "CHAT_RETENTION_DAYS", default: "30", help: "days a message is kept, delivered or not (0 keeps forever)" },
  "max-message-length": { env: "CHAT_MAX_MESSAGE_LENGTH", default: "4096", help: "longest message text, in characters" },
  "edit-window-minutes": { env: "CHAT_EDIT_WINDOW_MINUTES", default: "15", help: "how long after sending its author may edit a message" },
  "delete-window-hours": { env: "CHAT_DELETE_WINDOW_HOURS", default: "48", help: "how long after sending its author may delete a message for everyone" },
  "max-frame-bytes": { env: "CHAT_MAX_FRAME_BYTES", default: "65536", help: "largest WebSocket frame accepted, in bytes" },
  "max-attachment-bytes": { env: "CHAT_MAX_ATTACHMENT_BYTES", default: "104857600", help: "largest file that can be sent, in bytes (100 MB)" },
  attachments: {
    env: "CHAT_ATTACHMENTS",
    default: "",
    help: "s3://bucket/prefix: attachments' bytes in that S3-compatible bucket (credentials from S3_* or AWS_* variables); default: files under --data, or PostgreSQL with --database-url",
  },
  "tls-cert": { env: "CHAT_TLS_CERT", default: "", help: "PEM certificate file: serve https and wss (with --tls-key)" },
  "tls-key": { env: "CHAT_TLS_KEY", default: "", help: "PEM private key file of --tls-cert" },
  "log-format": { env: "CHAT_LOG_FORMAT", default: "human", help: "log lines for people (human) or machines (json)" },
  "log-level": { env: "CHAT_LOG_LEVEL", default: "info", help: "least important events logged: debug, info, warn or error" },
  "max-devices": { env: "CHAT_MAX_DEVICES", default: "10", help: "most devices (logged-in sessions) one account may have" },
  "max-buffered-bytes": {
    env: "CHAT_MAX_BUFFERED_BYTES",
    default: "8388608",
    help: "bytes queued for a client that does not keep up before it is disconnected (it catches up when it reconnects)",
  },
  "max-queued-messages": {
    env: "CHAT_MAX_QUEUED_MESSAGES",
    default: "10000",
    help: "messages waiting to be stored beyond which sends are refused (rate_limited) until the store catches up",
  },
  "dead-after-seconds": {
    env: "CHAT_DEAD_AFTER_SECONDS",
    default: "60",
    help: "a connection silent this long (no frame, no pong) is closed; pings go out every third of it",
  },
  "connection-frame-rate": { env: "CHAT_CONNECTION_FRAME_RATE", default: "50", help: "frames per second one connection may send on average (0: no limit)" },
  "connection-frame-burst": { env: "CHAT_CONNECTION_FRAME_BURST", default: "200", help: "frames one connection may send at once, above that rate" },
  "user-message-rate": { env: "CHAT_USER_MESSAGE_RATE", default: "10", help: "messages per second one user may send on average, all devices together (0: no limit)" },
  "user-message-burst": { env: "CHAT_USER_MESSAGE_BURST", default: "100", help: "messages one user may send at once, above that rate" },
  "login-failures": { env: "CHAT_LOGIN_FAILURES", default: "5", help: "failed logins of one name from one address before it is locked for that address (0: no limit)" },
  "login-name-failures": {
    env: "CHAT_LOGIN_NAME_FAILURES",
    default: "100",
    help: "failed logins of one name from all addresses together before it is locked for everyone (0: no limit)",
  },
  "login-lockout-seconds": { env: "CHAT_LOGIN_LOCKOUT_SECONDS", default: "60", help: "a locked name gets one more try this often" },
  "auth-attempts-per-minute": {
    env: "CHAT_AUTH_ATTEMPTS_PER_MINUTE",
    default: "30",
    help: "logins and registrations one client address may try per minute (0: no limit)",
  },
  "max-group-members": { env: "CHAT_MAX_GROUP_MEMBERS", default: "1024", help: "most members a group may have" },
  "max-groups-per-user": { env: "CHAT_MAX_GROUPS_PER_USER", default: "500", help: "most groups one user may be in" },
  "group-adds-per-hour": {
    env: "CHAT_GROUP_ADDS_PER_HOUR",
    default: "60",
    help: "groups one user may create plus people they may add (or invite) to groups per hour, as a burst then steadily (0: no limit)",
  },
  "presence-settle-ms": { env: "CHAT_PRESENCE_SETTLE_MS", default: "1000", help: "how long presence must hold before contacts hear of it" },
  "group-receipt-delay-ms": { env: "CHAT_GROUP_RECEIPT_DELAY_MS", default: "1000", help: "how often a group's ✓✓/read marks are sent at most" },
  "trust-proxy": {
    env: "CHAT_TRUST_PROXY",
    default: "",
    help: "proxies (addresses or networks, comma-separated: 127.0.0.1/32,10.0.0.0/8) whose X-Forwarded-For or Forwarded name the client; other requests' headers are ignored",
  },
  "metrics-port": { env: "CHAT_METRICS_PORT", default: "", help: "serve /metrics on this port only, on --metrics-host (0 picks a free one)" },
  "metrics-host": { env: "CHAT_METRICS_HOST", default: "127.0.0.1", help: "address of --metrics-port" },
  "metrics-token": {
    env: "CHAT_METRICS_TOKEN",
    default: "",
    help: "/metrics requires 'Authorization: Bearer <token>' (16 characters or more); without it and --metrics-port, /metrics answers loopback only",
  },
} as const;

type OptionName = keyof typeof OPTIONS;

/**
 * Options whose value may be a secret: each can also come from a file named by `<VARIABLE>_FILE`, so it
 * does not show in `ps` or the process environment. CHAT_TLS_KEY is already a file's path; CHAT_TLS_KEY_FILE
 * is the same, accepted so every secret has the one spelling.
 */
const SECRET_FILES: Partial<Record<OptionName, { variable: string; isPath: boolean }>> = {
  "database-url": { variable: "DATABASE_URL_FILE", isPath: false },
  "redis-url": { variable: "REDIS_URL_FILE", isPath: false },
  "tls-key": { variable: "CHAT_TLS_KEY_FILE", isPath: true },
  "metrics-token": { variable: "CHAT_METRICS_TOKEN_FILE", isPath: false },
};

/** The value of a `*_FILE` variable's file, without its trailing newline. */
function secretFromFile(variable: string, path: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (code ?? String(error));
    throw new ConfigError(`Cannot read ${variable}=${JSON.stringify(path)}: ${why}.`);
  }
}

const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  registration: z.enum(REGISTRATION_MODES),
  "name-reuse-days": z.coerce.number().int().min(0).max(36500),
  data: z.string().min(1),
  "database-url": z.string().refine((url) => url === "" || /^postgres(ql)?:\/\//.test(url), { message: "must start with postgres://" }),
  "database-schema": z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: "lower-case letters, digits and '_', up to 63" }),
  "redis-url": z.string().refine((url) => url === "" || /^rediss?:\/\//.test(url), { message: "must start with redis:// or rediss://" }),
  "redis-prefix": z.string().max(64),
  "retention-days": z.coerce.number().int().min(0).max(36500),
  "max-message-length": z.coerce.number().int().min(1).max(1_000_000),
  "edit-window-minutes": z.coerce.number().int().min(0).max(525_600),
  "delete-window-hours": z.coerce.number().int().min(0).max(87_600),
  "max-frame-bytes": z.coerce.number().int().min(1024).max(16 * 1024 * 1024),
  "max-attachment-bytes": z.coerce.number().int().min(1).max(16 * 1024 ** 3),
  attachments: z
    .string()
    .refine((url) => url === "" || parseS3Url(url) !== null, { message: "s3://bucket/prefix, or empty for the default" })
    .transform((url) => (url === "" ? undefined : url)),
  "tls-cert": z.string().refine((path) => path === "" || existsSync(path), { message: "no such file" }),
  "tls-key": z.string().refine((path) => path === "" || existsSync(path), { message: "no such file" }),
  "log-format": z.enum(LOG_FORMATS),
  "log-level": z.enum(LOG_LEVELS),
  "max-devices": z.coerce.number().int().min(1).max(1000),
  "max-buffered-bytes": z.coerce.number().int().min(256 * 1024).max(1024 * 1024 * 1024),
  "max-queued-messages": z.coerce.number().int().min(1).max(1_000_000),
  "dead-after-seconds": z.coerce.number().int().min(1).max(3600),
  "connection-frame-rate": z.coerce.number().min(0).max(1_000_000),
  "connection-frame-burst": z.coerce.number().int().min(1).max(1_000_000),
  "user-message-rate": z.coerce.number().min(0).max(1_000_000),
  "user-message-burst": z.coerce.number().int().min(1).max(1_000_000),
  "login-failures": z.coerce.number().int().min(0).max(1_000_000),
  "login-name-failures": z.coerce.number().int().min(0).max(1_000_000),
  "login-lockout-seconds": z.coerce.number().int().min(1).max(86_400),
  "auth-attempts-per-minute": z.coerce.number().int().min(0).max(1_000_000),
  "max-group-members": z.coerce.number().int().min(2).max(100_000),
  "max-groups-per-user": z.coerce.number().int().min(1).max(100_000),
  "group-adds-per-hour": z.coerce.number().int().min(0).max(1_000_000),
  "presence-settle-ms": z.coerce.number().int().min(0).max(60_000),
  "group-receipt-delay-ms": z.coerce.number().int().min(0).max(60_000),
  "trust-proxy": z.string().transform((list, context): Cidr[] => {
    try {
      return parseCidrList(list);
    } catch (error) {
      if (!(error instanceof CidrError)) throw error;
      context.addIssue({ code: "custom", message: error.message });
      return z.NEVER;
    }
  }),
  "metrics-port": z
    .string()
    .refine((port) => port === "" || (/^\d{1,5}$/.test(port) && Number(port) <= 65535), { message: "a port from 0 to 65535, or empty for none" })
    .transform((port) => (port === "" ? undefined : Number(port))),
  "metrics-host": z.string().min(1),
  "metrics-token": z.string().refine((token) => token === "" || /^\S{16,}$/.test(token), { message: "16 characters or more, without spaces" }),
});

export interface ServerConfig {
  port: number;
  host: string;
  /** Who may register. */
  registration: RegistrationMode;
  /** Days before a deleted account's name may be registered again. */
  nameReuseDays: number;
  dataDir: string;
  /** PostgreSQL instead of SQLite when set. */
  databaseUrl?: string;
  databaseSchema: string;
  /** The Redis bus instead of the in-process one when set. */
  redisUrl?: string;
  redisPrefix: string;
  retentionDays: number;
  maxMessageLength: number;
  editWindowMinutes: number;
  deleteWindowHours: number;
  maxFrameBytes: number;
  /** The largest attachment, in bytes. */
  maxAttachmentBytes: number;
  /** `s3://bucket/prefix` where attachments' bytes live; absent: beside the store (files, or PostgreSQL). */
  attachmentsUrl?: string;
  /** PEM files; both set means https and wss. */
  tls: { cert: string; key: string } | undefined;
  logFormat: LogFormat;
  logLevel: LogLevel;
  maxDevices: number;
  maxBufferedBytes: number;
  /** Messages accepted and not yet handed to the store; past it, sends are refused until it drains. */
  maxQueuedMessages: number;
  deadAfterSeconds: number;
  /** Token buckets; a rate of 0 means no limit. */
  connectionFrameRate: number;
  connectionFrameBurst: number;
  userMessageRate: number;
  userMessageBurst: number;
  /** Per name and address; 0 means never locked. */
  loginFailures: number;
  /** Per name, all addresses together; 0 means never locked. */
  loginNameFailures: number;
  loginLockoutSeconds: number;
  /** 0 means addresses are not limited. */
  authAttemptsPerMinute: number;
  maxGroupMembers: number;
  maxGroupsPerUser: number;
  /** Group creations plus members added per user and hour; 0 means not limited. */
  groupAddsPerHour: number;
  presenceSettleMs: number;
  groupReceiptDelayMs: number;
  /** Peers whose forwarding headers name the client; none: the headers are ignored. */
  trustProxy: Cidr[];
  /** A listener of its own for /metrics (then the main port does not serve it); none: the main port serves it. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** Required as a bearer token by /metrics wherever it is served, when set. */
  metricsToken: string | undefined;
}

export type ParsedArgs = { kind: "help" } | { kind: "version" } | { kind: "run"; config: ServerConfig };

export class ConfigError extends Error {}

/** Flags win over environment variables, which win over defaults. Throws ConfigError with a sentence naming the option. */
export function parseServerArgs(argv: string[], env: Record<string, string | undefined>): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: "string" as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help to see the options.`);
  }
  if (parsed.values.help) return { kind: "help" };
  if (parsed.values.version) return { kind: "version" };
  const flags = parsed.values as Record<string, unknown>;
  const fromFile = new Set<OptionName>();
  const raw = Object.fromEntries(
    (Object.keys(OPTIONS) as OptionName[]).map((name) => {
      const given = (flags[name] as string | undefined) ?? env[OPTIONS[name].env];
      const secret = SECRET_FILES[name];
      if (given === undefined && secret && env[secret.variable]) {
        fromFile.add(name);
        return [name, secret.isPath ? env[secret.variable] : secretFromFile(secret.variable, env[secret.variable]!)];
      }
      return [name, given ?? OPTIONS[name].default];
    }),
  );
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]) as OptionName;
    // Name the value where the person wrote it: the flag, or the variable (defaults are always valid).
    // A value read from a *_FILE is a secret: name the file, never the value.
    const given =
      flags[name] !== undefined
        ? `--${name} ${JSON.stringify(raw[name])}`
        : fromFile.has(name)
          ? `${SECRET_FILES[name]!.variable}=${JSON.stringify(env[SECRET_FILES[name]!.variable])} (for --${name})`
          : `${OPTIONS[name].env}=${JSON.stringify(raw[name])} (for --${name})`;
    const why = issue.code === "invalid_type" && issue.expected === "number" ? "not a number" : issue.message;
    throw new ConfigError(`Invalid ${given}: ${why}.`);
  }
  const values = result.data;
  if ((values["tls-cert"] === "") !== (values["tls-key"] === "")) {
    throw new ConfigError("TLS needs both --tls-cert (CHAT_TLS_CERT) and --tls-key (CHAT_TLS_KEY), or neither.");
  }
  if (values["metrics-port"] !== undefined && values["metrics-port"] !== 0 && values["metrics-port"] === values.port) {
    throw new ConfigError(`--metrics-port (CHAT_METRICS_PORT) must differ from --port (PORT): both are ${values.port}.`);
  }
  return {
    kind: "run",
    config: {
      port: values.port,
      host: values.host,
      registration: values.registration,
      nameReuseDays: values["name-reuse-days"],
      dataDir: values.data,
      databaseUrl: values["database-url"] || undefined,
      databaseSchema: values["database-schema"],
      redisUrl: values["redis-url"] || undefined,
      redisPrefix: values["redis-prefix"],
      retentionDays: values["retention-days"],
      maxMessageLength: values["max-message-length"],
      editWindowMinutes: values["edit-window-minutes"],
      deleteWindowHours: values["delete-window-hours"],
      maxFrameBytes: values["max-frame-bytes"],
      maxAttachmentBytes: values["max-attachment-bytes"],
      ...(values.attachments === undefined ? {} : { attachmentsUrl: values.attachments }),
      tls: values["tls-cert"] === "" ? undefined : { cert: values["tls-cert"], key: values["tls-key"] },
      logFormat: values["log-format"],
      logLevel: values["log-level"],
      maxDevices: values["max-devices"],
      maxBufferedBytes: values["max-buffered-bytes"],
      maxQueuedMessages: values["max-queued-messages"],
      deadAfterSeconds: values["dead-after-seconds"],
      connectionFrameRate: values["connection-frame-rate"],
      connectionFrameBurst: values["connection-frame-burst"],
      userMessageRate: values["user-message-rate"],
      userMessageBurst: values["user-message-burst"],
      loginFailures: values["login-failures"],
      loginNameFailures: values["login-name-failures"],
      loginLockoutSeconds: values["login-lockout-seconds"],
      authAttemptsPerMinute: values["auth-attempts-per-minute"],
      maxGroupMembers: values["max-group-members"],
      maxGroupsPerUser: values["max-groups-per-user"],
      groupAddsPerHour: values["group-adds-per-hour"],
      presenceSettleMs: values["presence-settle-ms"],
      groupReceiptDelayMs: values["group-receipt-delay-ms"],
      trustProxy: values["trust-proxy"],
      metricsPort: values["metrics-port"],
      metricsHost: values["metrics-host"],
      metricsToken: values["metrics-token"] || undefined,
    },
  };
}

/** Every option at its default, as if given no flags and no environment. */
export function defaultServerConfig(): ServerConfig {
  const parsed = parseServerArgs([], {});
  if (parsed.kind !== "run") throw new Error("unreachable: no flags cannot ask for help or the version");
  return parsed.config;
}

export function serverUsage(): string {
  const nameWidth = Math.max(...Object.keys(OPTIONS).map((name) => name.length));
  const envWidth = Math.max(...Object.values(OPTIONS).map((option) => option.env.length));
  const rows = Object.entries(OPTIONS).map(
    ([name, option]) =>
      `  --${name.padEnd(nameWidth)} ${option.env.padEnd(envWidth)} ${option.help} (default ${option.default === "" ? "none" : option.default})`,
  );
  return [
    "Usage: chat-server [options]",
    "       chat-server backup <file> [--data DIR]    copy the SQLite store, also while the server runs",
    "       chat-server restore <file> [--data DIR]   put a backup into an empty data directory",
    "       chat-server admin invite [--uses N] [--expires 7d|12h|30m|never] [--data DIR | --database-url URL]",
    "                                                 make an invite code for --registration invite (1 use, 7 days by default)",
    "       chat-server admin users                   list the accounts: created, last active, devices, state",
    "       chat-server admin deactivate <name>       log out every device of <name> and refuse its logins, sends and messages to it",
    "       chat-server admin reactivate <name>       let a deactivated account log in again",
    "       chat-server admin reset-password <name> [--stdin]   set a new random password (printed) or one read from stdin; logs every device out",
    "       chat-server admin delete-user <name>      delete the account as its owner can: devices out, groups left, messages kept as 'deleted account'",
    "       (admin takes the server's --data, or --database-url and --database-schema, and works while the server runs)",
    "",
    "Options (flag, environment variable, meaning):",
    ...rows,
    `  ${"--version".padEnd(nameWidth + 2)} ${"".padEnd(envWidth)} print the version and the commit it was built from`,
    `  ${"--help".padEnd(nameWidth + 2)} ${"".padEnd(envWidth)} show this help`,
    "",
    "Secrets may come from files instead, kept out of ps and the environment: DATABASE_URL_FILE, REDIS_URL_FILE, CHAT_TLS_KEY_FILE, CHAT_METRICS_TOKEN_FILE.",
  ].join("\n");
}
