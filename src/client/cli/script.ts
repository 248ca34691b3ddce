import { createInterface } from "node:readline";
import { ChatError } from "../../protocol/index.ts";
import { ChatApi } from "../sdk/api.ts";
import type { ChatConnection } from "../sdk/connection.ts";
import { ServerUnreachableError } from "../sdk/errors.ts";
import { PresenceBook } from "../sdk/presence-book.ts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import { type CommandContext, runCommand } from "./commands.ts";
import { PLAIN } from "./format.ts";
import { parseInputLine } from "./input.ts";
import { LoginFailed, type LoginPrompts, obtainSession } from "./login.ts";
import { MessageBook } from "./message-book.ts";
import type { ClientOptions } from "./options.ts";
import { OwnGroupChanges } from "./own-group-changes.ts";
import { describeRequest, refusalLine, storedConversation } from "./own-requests.ts";
import { jsonOutput, plainOutput, type ScriptOutput } from "./script-output.ts";
import { sanitize } from "./sanitize.ts";
import { showableSender } from "./sending.ts";
import { firstContact, forgetSession, openConnection, SESSION_ENDED } from "./session.ts";
import { WatermarkDedupe } from "./watermark-dedupe.ts";
import { environmentQuestions } from "./account-questions.ts";

/** After end of input, how long to wait for the server to acknowledge what was sent. */
const ACK_WAIT_MS = 5_000;
/** After losing the connection mid-run, how long to keep trying before giving up. */
const RECONNECT_FOR_MS = 30_000;

/** Script mode never asks: the password comes from CHAT_PASSWORD and a new name is registered directly. */
const NO_PROMPTS: LoginPrompts = {
  askPassword: async () => undefined,
  confirmRegistration: async () => true,
  say: () => {},
  step: (_label, request) => request(),
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Standard input is not a terminal: read `<recipient> <message>` lines and slash commands
 * until end of input, print incoming events as `[sender]: text`, `[alice] edited ^<id>: text`,
 * `[#team] alice added carol` (or, with `--json`, one JSON record each) on stdout and problems
 * as one line each on stderr, then wait (bounded) for every sent request to be acknowledged.
 * Resolves with the exit status: non-zero when a message or action was refused.
 */
export async function runScript(options: ClientOptions, state: DeviceState): Promise<number> {
  const me = state.data.user;
  const presence = new PresenceBook();
  const ownGroupChanges = new OwnGroupChanges();
  const book = new MessageBook(false);
  const output = (options.json ? jsonOutput : plainOutput)({ me, receipts: options.receipts, book, ownGroupChanges, write: out });
  const refusals: string[] = [];
  const refused = (what: string) => void refusals.push(what);
  const connected = await connect(options, state, (connection) => {
    connection.on("presence", (frame) => presence.record(frame));
    reportEvents(connection, output, book, refused);
  });
  if (typeof connected === "number") return connected;
  const { connection, session } = connected;
  err(`connected as ${connection.user} to ${options.server.display}`);

  let leaving = false;
  const loggingOut = { now: false };
  const sender = showableSender(connection);
  const fatal = watchConnection(connection, options, () => leaving || loggingOut.now);
  const context: CommandContext = {
    me,
    deviceId: session.deviceId,
    token: session.token,
    api: new ChatApi(options.server, options.trust),
    style: PLAIN,
    presence,
    ownGroupChanges,
    book,
    messages: {
      send: (to, text, replyTo) => void sender.send(to, text, replyTo),
      sendFile: (to, attachment, caption) => void sender.sendFile(to, attachment.id, caption),
      act: (request) => void sender.act(request),
      refused,
    },
    print: output.print,
    report: err,
    loggingOut,
    secrets: environmentQuestions(options),
    ...(output.record && { record: output.record }),
  };
  const ended = await Promise.race([readInput(connection, context), fatal]);
  if (typeof ended === "number") return ended;
  if (ended === "logged-out") {
    leaving = true;
    forgetSession(state);
    await connection.stop();
    return 0;
  }

  const drained = await Promise.race([connection.waitForOutbox(ACK_WAIT_MS), fatal]);
  if (typeof drained === "number") return drained;
  const unacknowledged = connection.outbox.length;
  await connection.stop();
  if (!drained) {
    err(
      `${unacknowledged} message(s) were not acknowledged by the server within ${ACK_WAIT_MS / 1000} s; ` +
        "they stay queued and are sent on the next run.",
    );
  }
  if (refusals.length > 0) err(`Refused (${refusals.length}): ${refusals.join("; ")}.`);
  return drained && refusals.length === 0 ? 0 : 1;
}

async function connect(
  options: ClientOptions,
  state: DeviceState,
  wire: (connection: ChatConnection) => void,
): Promise<{ connection: ChatConnection; session: SavedSession } | number> {
  for (let attempt = 1; ; attempt++) {
    let session: SavedSession;
    try {
      session = await obtainSession(options, state, NO_PROMPTS);
    } catch (error) {
      if (error instanceof LoginFailed || error instanceof ServerUnreachableError) {
        err(sanitize(error.message));
        return 1;
      }
      throw error;
    }
    const connection = openConnection(options, state, session);
    wire(connection);
    const contact = await firstContact(connection);
    if (contact.kind === "ready") return { connection, session };
    await connection.stop();
    if (contact.kind === "offline") {
      err(`Cannot reach the chat server at ${options.server.display} (${contact.reason}).`);
      return 1;
    }
    if (contact.kind === "stopped" && contact.reason !== "closed") {
      forgetSession(state);
      // A saved session that ended can be replaced once, when the password is at hand.
      if (attempt === 1 && options.password) continue;
      err(`${SESSION_ENDED[contact.reason]} Set CHAT_PASSWORD to log in again.`);
      return 1;
    }
    return 1;
  }
}

/** Resolves with an exit status if the connection ends for good while the script runs. */
function watchConnection(connection: ChatConnection, options: ClientOptions, leaving: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    connection.on("status", (status) => {
      if (status.state === "ready") {
        if (giveUp) err("Connection restored.");
        clearTimeout(giveUp);
        giveUp = undefined;
      } else if (status.state === "offline" && !giveUp) {
        err(`Lost the connection to the server at ${options.server.display} (${status.reason}); reconnecting.`);
        giveUp = setTimeout(() => {
          err(`Could not reconnect to the server at ${options.server.display} within ${RECONNECT_FOR_MS / 1000} s; unsent messages stay queued.`);
          void connection.stop().then(() => resolve(1));
        }, RECONNECT_FOR_MS);
      } else if (status.state === "stopped" && status.reason !== "closed" && !leaving()) {
        clearTimeout(giveUp);
        err(`${SESSION_ENDED[status.reason]} Log in again to continue.`);
        resolve(1);
      }
    });
  });
}

function reportEvents(connection: ChatConnection, output: ScriptOutput, book: MessageBook, refused: (what: string) => void): void {
  const me = connection.user;
  const label = (id: string) => book.label(id);
  connection.on("event", (frame) => {
    book.noteEvent(frame, me);
    output.event(frame);
  });
  connection.on("stored", (stored) => {
    const to = storedConversation(stored, book, connection);
    if (stored.entry.type === "send") book.note(stored.entry.id, to);
    output.stored(stored, to);
  });
  connection.on("hidden", (frame) => output.hidden(frame));
  connection.on("rejected", ({ entry, message }) => {
    err(refusalLine(entry, label, sanitize(message)));
    refused(describeRequest(entry, label));
  });
  connection.on("serverError", (frame) => err(`Server error (${frame.code}): ${sanitize(frame.message)}`));
  connection.on("gap", (frame) => {
    const title = frame.with;
    err(`Messages ${frame.after + 1} to ${frame.until} with ${title} expired on the server before this device got them.`);
  });
  const seen = new WatermarkDedupe();
  connection.on("receipt", (receipt) => {
    if (receipt.by === me) return; // this user's own reading on another device
    const title = connection.titleOf(receipt.conv) ?? `conv:${receipt.conv}`;
    for (const kind of ["delivered", "read"] as const) {
      const seq = receipt[kind];
      if (seq !== undefined && seen.isNew(receipt.conv, receipt.by, kind, seq)) output.watermark(kind, title, seq, receipt.by);
    }
  });
}

/** Sends each line or runs it as a command, until end of input, /quit or /logout. */
async function readInput(connection: ChatConnection, context: CommandContext): Promise<"ended" | "logged-out"> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const input = parseInputLine(line);
    if (input.kind === "invalid") err(input.reason);
    if (input.kind === "message") {
      try {
        context.messages.send(input.to, input.text);
      } catch (error) {
        if (!(error instanceof ChatError)) throw error;
        const request = { type: "send", to: input.to, text: input.text } as const;
        err(refusalLine(request, (id) => context.book.label(id), error.message));
        context.messages.refused(describeRequest(request, (id) => context.book.label(id)));
      }
    }
    if (input.kind === "command") {
      // A command sees the effect of the lines before it, e.g. /history after a send.
      await connection.waitForOutbox(ACK_WAIT_MS);
      const outcome = await runCommand(context, input.name, input.args);
      if (outcome === "logged-out") return "logged-out";
      if (outcome === "quit") break;
    }
  }
  return "ended";
}
