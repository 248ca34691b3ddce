import { parseArgs } from "node:util";
import { z } from "zod";
import { describeIssues } from "../protocol/index.ts";

/** Every server option: flag, environment variable, default, and what it means. One table drives parsing and `--help`. */
const OPTIONS = {
  port: { env: "PORT", default: "8080", help: "TCP port to listen on (0 picks a free one)" },
  host: { env: "HOST", default: "0.0.0.0", help: "address to listen on" },
  data: { env: "CHAT_DATA_DIR", default: "./data", help: "directory of the SQLite database" },
  "retention-days": { env: "CHAT_RETENTION_DAYS", default: "30", help: "days a message is kept, delivered or not (0 keeps forever)" },
  "max-message-length": { env: "CHAT_MAX_MESSAGE_LENGTH", default: "4096", help: "longest message text, in characters" },
  "max-frame-bytes": { env: "CHAT_MAX_FRAME_BYTES", default: "65536", help: "largest WebSocket frame accepted, in bytes" },
} as const;

type OptionName = keyof typeof OPTIONS;

const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  data: z.string().min(1),
  "retention-days": z.coerce.number().int().min(0).max(36500),
  "max-message-length": z.coerce.number().int().min(1).max(1_000_000),
  "max-frame-bytes": z.coerce.number().int().min(1024).max(16 * 1024 * 1024),
});

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  retentionDays: number;
  maxMessageLength: number;
  maxFrameBytes: number;
}

export type ParsedArgs = { help: true } | { help: false; config: ServerConfig };

export class ConfigError extends Error {}

/** Flags win over environment variables, which win over defaults. Throws ConfigError with a sentence naming the option. */
export function parseServerArgs(argv: string[], env: Record<string, string | undefined>): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" },
        ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: "string" as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help to see the options.`);
  }
  if (parsed.values.help) return { help: true };
  const raw = Object.fromEntries(
    (Object.keys(OPTIONS) as OptionName[]).map((name) => [
      name,
      ((parsed.values as Record<string, unknown>)[name] as string | undefined) ?? env[OPTIONS[name].env] ?? OPTIONS[name].default,
    ]),
  );
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]) as OptionName;
    throw new ConfigError(
      `Invalid --${name} (${OPTIONS[name].env}=${JSON.stringify(raw[name])}): ${describeIssues(result.error)}.`,
    );
  }
  const values = result.data;
  return {
    help: false,
    config: {
      port: values.port,
      host: values.host,
      dataDir: values.data,
      retentionDays: values["retention-days"],
      maxMessageLength: values["max-message-length"],
      maxFrameBytes: values["max-frame-bytes"],
    },
  };
}

export function serverUsage(): string {
  const rows = Object.entries(OPTIONS).map(
    ([name, option]) => `  --${name.padEnd(20)} ${option.env.padEnd(24)} ${option.help} (default ${option.default})`,
  );
  return [
    "Usage: chat-server [options]",
    "",
    "Options (flag, environment variable, meaning):",
    ...rows,
    "  --help                                        show this help",
  ].join("\n");
}
