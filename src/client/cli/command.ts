import type { z } from "zod";
import type { AttachmentInfo } from "../../protocol/index.ts";
import type { ChatApi } from "../sdk/api.ts";
import type { NewRequest } from "../sdk/outbox.ts";
import type { PresenceBook } from "../sdk/presence-book.ts";
import type { Style } from "./format.ts";
import type { JsonRecord } from "./json-records.ts";
import type { MessageBook } from "./message-book.ts";
import type { OwnGroupChanges } from "./own-group-changes.ts";

/** How commands send: the client queues each request in the outbox and shows it its own way. */
export interface MessageSender {
  /** Queues a message (a reply when `replyTo` is given); throws a `ChatError` when it could never be sent. */
  send(to: string, text: string, replyTo?: string): void;
  /** Queues a message carrying an uploaded file, `text` its caption. */
  sendFile(to: string, attachment: AttachmentInfo, caption: string): void;
  /** Queues an edit, delete, reaction or timer; throws a `ChatError` when it could never be sent. */
  act(request: Exclude<NewRequest, { type: "send" }>): void;
  /** A message or action was refused (script mode then exits non-zero); `what` is e.g. `edit of ^12`. */
  refused(what: string): void;
}

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
  /** The messages seen this run: their references and conversations. */
  book: MessageBook;
  messages: MessageSender;
  /** Prints a line of output (stdout in script mode, above the prompt in a terminal). */
  print(line: string): void;
  /** Reports a problem (one line on stderr in script mode). */
  report(line: string): void;
  /** Shows a line that later calls with the same key rewrite in place (a progress bar); absent in script mode. */
  progress?(key: string, line: string): void;
  /** The interactive client's open conversation; absent in script mode, where every line names its recipient. */
  conversations?: ConversationSwitch;
  /** Since when the client has been without its connection, when it is; `/who` then says its answers may be stale. */
  offlineSince?(): number | undefined;
  /** Set while this device logs itself out, so that the server closing its connection for it is not news. */
  loggingOut: { now: boolean };
  /** How `/password` and `/delete-account` get passwords and a yes: asked, or from the environment in script mode. */
  secrets: AccountQuestions;
  /** Script mode with `--json`: results given as records (search hits) rather than lines. */
  record?(record: JsonRecord): void;
}

/**
 * The interactive client asks these at the keyboard (passwords hidden as they are typed); script mode
 * cannot ask: it takes CHAT_PASSWORD and CHAT_NEW_PASSWORD, and a choice must come with the command.
 * Undefined when there is no answer (cancelled, or not in the environment).
 */
export interface AccountQuestions {
  currentPassword(): Promise<string | undefined>;
  /** Asked twice in a terminal, to catch a typing mistake. */
  newPassword(): Promise<string | undefined>;
  yesOrNo(question: string): Promise<boolean | undefined>;
}

/** The conversation plain lines go to, and the numbered list the keyboard switches among. */
export interface ConversationSwitch {
  readonly current: string | undefined;
  /** Opens a user's or `#group`'s conversation (showing its last messages); a `ChatError` for a name that has none. */
  open(name: string): Promise<void>;
  /** Opens the conversation numbered so in `list`. */
  openNumber(number: number): Promise<void>;
  /** Closes the open conversation; the one that was open. */
  close(): string | undefined;
  list(): Array<{ number: number; name: string }>;
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
