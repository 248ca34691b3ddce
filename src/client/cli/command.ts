import type { z } from "zod";
import type { ChatApi } from "../sdk/api.ts";
import type { PresenceBook } from "../sdk/presence-book.ts";
import type { Style } from "./format.ts";
import type { OwnGroupChanges } from "./own-group-changes.ts";

/** What a command needs from the client running it; the same commands serve the terminal and script mode. */
export interface CommandContext {
  me: string;
  deviceId: number;
  token: string;
  api: ChatApi;
  style: Style;
  /** Contacts' presence as this device last heard it. */
  presence: PresenceBook;
  /** Group changes made here, whose notices need not be printed again. */
  ownGroupChanges: OwnGroupChanges;
  /** Prints a line of output (stdout in script mode, above the prompt in a terminal). */
  print(line: string): void;
  /** Reports a problem (one line on stderr in script mode). */
  report(line: string): void;
}

/** `logged-out`: this device's session ended (/logout); the client forgets its token and quits. */
export type CommandOutcome = "continue" | "quit" | "logged-out";

export interface Command {
  /** The words after the slash: `history`, `group add`. */
  name: string;
  /** `/name <required> [optional]`; a parameter ending in `…` takes any number of words. */
  usage: string;
  summary: string;
  run(context: CommandContext, args: string[]): Promise<CommandOutcome>;
}

/** The arguments do not fit the command; the message says what is wrong, and the usage is shown after it. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Issues whose message states a rule worth repeating (the name rules); the others only restate `expected`. */
const EXPLAINING_ISSUES = new Set(["invalid_format", "custom"]);

/** Reads one argument with `schema`; a missing or unfit one is a `UsageError` naming what was expected. */
export function argument<T>(schema: z.ZodType<T>, value: string | undefined, expected: string): T {
  if (value === undefined) throw new UsageError(`Give ${expected}.`);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const rule = issue && EXPLAINING_ISSUES.has(issue.code) ? `: ${issue.message}` : "";
  throw new UsageError(`'${value}' is not ${expected}${rule}.`);
}
