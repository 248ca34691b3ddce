/**
 * Structured logs: one line per event, for people by default
 * (`2026-01-05T10:00:00.000Z INFO connection opened user=alice device=3`) or
 * as JSON lines for machines. Fields whose names say they hold secrets or
 * message bodies are redacted, whoever passes them.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["human", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where each line goes (without its newline); standard error by default. */
  write?: (line: string) => void;
  now?: () => Date;
}

/** A field is dropped when a word of its name (`password`, `sessionToken`, `message_text`) is one of these. */
const SECRET_WORDS = new Set(["password", "token", "secret", "authorization", "cookie", "text", "body"]);
/** Values written without quotes in the human format; anything else is JSON-quoted, so control characters cannot break a line. */
const BARE_VALUE = /^[A-Za-z0-9_.:/@+#-]+$/;

function isSecret(fieldName: string): boolean {
  return fieldName.split(/(?=[A-Z])|[_-]/).some((word) => SECRET_WORDS.has(word.toLowerCase()));
}

function humanValue(value: string | number | boolean | null): string {
  const text = String(value);
  return BARE_VALUE.test(text) ? text : JSON.stringify(text);
}

function visibleFields(fields: LogFields): Array<[string, string | number | boolean | null]> {
  return Object.entries(fields).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, isSecret(name) ? "[redacted]" : value] as [string, string | number | boolean | null]],
  );
}

export function createLogger({ format, level, write = (line) => process.stderr.write(line + "\n"), now = () => new Date() }: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (eventLevel: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(eventLevel) < threshold) return;
    const time = now().toISOString();
    const visible = visibleFields(fields);
    if (format === "json") {
      write(JSON.stringify({ time, level: eventLevel, event, ...Object.fromEntries(visible) }));
    } else {
      const rest = visible.map(([name, value]) => ` ${name}=${humanValue(value)}`).join("");
      write(`${time} ${eventLevel.toUpperCase()} ${event}${rest}`);
    }
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
