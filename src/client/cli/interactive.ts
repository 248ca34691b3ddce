import { cancel, intro, outro } from "@clack/prompts";
import { ChatError, isGroupAddress } from "../../protocol/index.ts";
import { ChatApi } from "../sdk/api.ts";
import type { ChatConnection, ConnectionStatus } from "../sdk/connection.ts";
import { PresenceBook } from "../sdk/presence-book.ts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import { type CommandContext, runCommand } from "./commands.ts";
import { makeStyle, type Style } from "./format.ts";
import { parseInputLine } from "./input.ts";
import { LoginFailed, obtainSession } from "./login.ts";
import { MessageBook } from "./message-book.ts";
import { presenceLine } from "./notices.ts";
import type { ClientOptions } from "./options.ts";
import { OwnGroupChanges } from "./own-group-changes.ts";
import { storedConversation } from "./own-requests.ts";
import { sanitize } from "./sanitize.ts";
import { showableSender } from "./sending.ts";
import { PromptScreen } from "./screen.ts";
import { forgetSession, openConnection, SESSION_ENDED } from "./session.ts";
import { terminalPrompts } from "./terminal-login.ts";
import { Timeline } from "./timeline.ts";
import { TypingIndicator } from "./typing.ts";

type ChatOutcome = "quit" | "session-ended";

/** Standard input is a terminal: clack login screens, then the chat screen; a session that ends leads back to the login. */
export async function runInteractive(options: ClientOptions, state: DeviceState): Promise<number> {
  const style = makeStyle(options.color);
  for (;;) {
    let session: SavedSession;
    const needsLogin = state.data.session === null;
    if (needsLogin) intro(`chat · ${options.server.display}`);
    try {
      session = await obtainSession(options, state, terminalPrompts(options));
    } catch (error) {
      if (!(error instanceof LoginFailed)) throw error;
      cancel(error.message);
      return 1;
    }
    if (needsLogin) outro(`Logged in as ${state.data.user}.`);
    const outcome = await chat(options, state, session, style);
    if (outcome === "quit") return 0;
    forgetSession(state);
  }
}

function chat(options: ClientOptions, state: DeviceState, session: SavedSession, style: Style): Promise<ChatOutcome> {
  const screen = new PromptScreen(process.stdin, process.stdout);
  const connection = openConnection(options, state, session);
  const me = connection.user;
  const sender = showableSender(connection);
  const presence = new PresenceBook();
  const ownGroupChanges = new OwnGroupChanges();
  const book = new MessageBook(true);
  const timeline = new Timeline(screen, me, style, book, ownGroupChanges);
  // People this session exchanged direct messages with: only their coming and going is worth a line.
  const partners = new Set<string>();
  const chattingWith = (from: string, to: string) => {
    if (!isGroupAddress(to)) partners.add(from === me ? to : from);
  };
  const typing = new TypingIndicator(connection, () => screen.currentLine, () => showStatus());
  let connectionLabel = "[connecting…]";
  let everConnected = false;
  let outage = false;

  const showStatus = () => {
    const status = [connectionLabel, typing.label()].filter(Boolean).join(" ");
    screen.setStatus(status && style.dim(status));
  };
  const context: CommandContext = {
    me,
    deviceId: session.deviceId,
    token: session.token,
    api: new ChatApi(options.server, options.trust),
    style,
    presence,
    ownGroupChanges,
    book,
    messages: {
      send: (to, text, replyTo) => {
        timeline.typed(sender.send(to, text, replyTo));
        chattingWith(me, to);
      },
      act: (request) => void sender.act(request),
      refused: () => {}, // the command's failure is on screen; nothing else depends on it here
    },
    print: (line) => screen.print(line),
    report: (line) => screen.print(style.error(line)),
    loggingOut: { now: false },
  };

  return new Promise<ChatOutcome>((resolve) => {
    let finished = false;
    const finish = async (outcome: ChatOutcome) => {
      if (finished) return;
      finished = true;
      typing.dispose();
      await connection.stop();
      screen.close();
      const queued = connection.outbox.length;
      if (outcome === "quit" && queued > 0) {
        process.stdout.write(`${queued} message(s) are not sent yet; they are kept and sent the next time you start chat-client.\n`);
      }
      resolve(outcome);
    };

    connection.on("status", (status: ConnectionStatus) => {
      switch (status.state) {
        case "connecting":
          connectionLabel = everConnected ? "[reconnecting…]" : "[connecting…]";
          break;
        case "ready":
          connectionLabel = "";
          if (!everConnected) {
            screen.print(`Connected to ${options.server.display} as ${me}. Type "<name> <message>" to send; /help lists the commands.`);
          } else {
            screen.print(style.dim("· Connected again."));
          }
          everConnected = true;
          outage = false;
          break;
        case "offline":
          connectionLabel = `[offline · retrying in ${Math.ceil(status.retryInMs / 1000)} s]`;
          if (!outage) {
            screen.print(
              style.warn(
                everConnected
                  ? `Connection lost (${status.reason}); reconnecting…`
                  : `Cannot reach the chat server at ${options.server.display} (${status.reason}); retrying…`,
              ),
            );
          }
          outage = true;
          break;
        case "stopped":
          // A /logout typed here ends the session too; the command says so and the client quits.
          if (status.reason !== "closed" && !context.loggingOut.now) {
            screen.print(style.warn(`${SESSION_ENDED[status.reason]} Log in again to continue.`));
            void finish("session-ended");
          }
          return;
      }
      showStatus();
    });

    connection.on("event", (frame) => timeline.event(frame));
    connection.on("message", (frame) => {
      chattingWith(frame.from, frame.to);
      typing.stopped(frame.from, frame.to);
      // Only messages count as read: a reaction or an edit does not make a chat unread.
      connection.markRead(frame.conv, frame.seq);
    });
    connection.on("stored", (stored) => timeline.stored(stored, storedConversation(stored, book, connection)));
    connection.on("rejected", ({ entry, message }) => timeline.rejected(entry, sanitize(message)));
    connection.on("receipt", (receipt) => {
      if (receipt.by !== me) timeline.receipt(receipt); // not this user's own reading on another device
    });
    connection.on("hidden", (frame) => timeline.hidden(frame));
    connection.on("typing", (frame) => typing.started(frame.from, frame.to));
    connection.on("presence", (frame) => {
      const change = presence.record(frame);
      const noticeable = change === "came-online" || change === "went-offline";
      if (noticeable && partners.has(frame.user)) screen.print(style.dim(`· ${presenceLine(frame)}`));
    });
    connection.on("gap", (frame) => {
      const title = frame.with;
      screen.print(style.warn(`Some messages with ${title} expired on the server before this device got them.`));
    });
    connection.on("serverError", (frame) => screen.print(style.error(`Server error: ${sanitize(frame.message)}`)));

    screen.editor.on("line", (line) => void handleLine(line));
    screen.editor.on("close", () => void finish("quit"));
    screen.editor.on("SIGINT", () => void finish("quit"));
    process.stdin.on("keypress", typing.keypress);

    async function handleLine(line: string): Promise<void> {
      const input = parseInputLine(line);
      if (input.kind === "message") {
        try {
          timeline.typed(sender.send(input.to, input.text), line);
          chattingWith(me, input.to);
        } catch (error) {
          if (!(error instanceof ChatError)) throw error;
          screen.keepEnteredLine(line);
          screen.print(style.error(`Not sent: ${error.message}`));
        }
        return;
      }
      screen.keepEnteredLine(line);
      if (input.kind === "invalid") screen.print(style.error(input.reason));
      if (input.kind !== "command") return screen.refresh();
      const outcome = await runCommand(context, input.name, input.args);
      if (outcome === "quit") return finish("quit");
      if (outcome === "logged-out") {
        forgetSession(state);
        return finish("quit");
      }
      screen.refresh();
    }

    showStatus();
    screen.start();
    for (const entry of connection.outbox) if (entry.type === "send") timeline.typed(entry);
    connection.start();
  });
}
