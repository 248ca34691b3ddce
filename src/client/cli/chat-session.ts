import type { Key } from "node:readline";
import { ChatError, isGroupAddress } from "../../protocol/index.ts";
import { ChatApi } from "../sdk/api.ts";
import type { ConnectionStatus } from "../sdk/connection.ts";
import { PresenceBook } from "../sdk/presence-book.ts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import { terminalQuestions } from "./account-questions.ts";
import { Attention } from "./attention.ts";
import { COMMANDS, type CommandContext, runCommand } from "./commands.ts";
import { tabCompleter } from "./completion.ts";
import { ConnectionLabel } from "./connection-label.ts";
import { ConversationContext, type Shown } from "./conversation-context.ts";
import { ScreenConversationSwitch } from "./conversation-switch.ts";
import { Conversations } from "./conversations.ts";
import type { Style } from "./format.ts";
import { conversationOf, MessageBook } from "./message-book.ts";
import type { ClientOptions } from "./options.ts";
import { OwnGroupChanges } from "./own-group-changes.ts";
import { storedConversation } from "./own-requests.ts";
import { PresenceNotices } from "./presence-notices.ts";
import { StrangerNotices } from "./stranger-notices.ts";
import { inviteLine } from "./contact-commands.ts";
import { promptText } from "./prompt.ts";
import { sanitize } from "./sanitize.ts";
import { PromptScreen } from "./screen.ts";
import { showableSender } from "./sending.ts";
import { openConnection, SESSION_ENDED } from "./session.ts";
import { pastedText, TerminalInput } from "./terminal-input.ts";
import { Timeline } from "./timeline.ts";
import { TypingIndicator } from "./typing.ts";

/** `quit`: the person left; `logged-out`: /logout ended this device's session; `session-ended`: another device ended it. */
export type ChatOutcome = "quit" | "logged-out" | "session-ended";

/** The start waits this long at most for the last messages to show before connecting without them. */
const CONTEXT_WAIT_MS = 3_000;

/**
 * The chat screen of one session: what the terminal sends (keys, pastes, focus), the prompt and where
 * a line goes, the timeline of messages, presence and typing, and the commands. Resolves when the person
 * leaves or the session ends.
 */
export function chat(options: ClientOptions, state: DeviceState, session: SavedSession, style: Style): Promise<ChatOutcome> {
  const terminal = new TerminalInput(process.stdin, process.stdout, options.terminalModes);
  const connection = openConnection(options, state, session);
  const me = connection.user;
  const api = new ChatApi(options.server, options.trust);
  const presence = new PresenceBook();
  const conversations = new Conversations({ titles: () => Object.values(state.data.titles), contacts: () => presence.all().map((contact) => contact.user) });
  const completer = tabCompleter(() => conversations.names(), COMMANDS, (matches) => screen.print(style.dim(matches.join("  "))));
  const screen = new PromptScreen(terminal.input, process.stdout, (line) => completer(pastedText(line)));
  const ownGroupChanges = new OwnGroupChanges();
  const book = new MessageBook(true);
  const timeline = new Timeline(screen, me, style, book, ownGroupChanges);
  const attention = new Attention((conv, seq) => connection.markRead(conv, seq));
  const sender = showableSender(connection);
  const context = new ConversationContext(api, session.token);
  // People this session exchanged direct messages with: only their coming and going is worth a line.
  const partners = new Set<string>();
  const notices = new PresenceNotices(presence, (user) => partners.has(user), (line) => screen.print(style.dim(`· ${line}`)));
  const label = new ConnectionLabel(() => showPrompt());
  const strangers = new StrangerNotices(me, (line) => screen.print(style.warn(`· ${line}`)));

  const draft = () => pastedText(screen.currentLine);
  const typing = new TypingIndicator(connection, () => conversations.typingTo(draft()), () => showPrompt());
  const showPrompt = () => {
    const labels = [label.label, typing.label()].filter(Boolean).join(" ");
    screen.setPrompt(promptText(labels, conversations.current, conversations.promptTarget(draft()), style));
  };
  /** A message of this session went to or came from someone: they are a partner, and the conversation joins the list. */
  const exchanged = (from: string, to: string) => {
    const conversation = conversationOf({ from, to }, me);
    conversations.active(conversation);
    if (!isGroupAddress(conversation)) partners.add(conversation);
  };
  const showEarlier = (shown: Shown) => {
    timeline.earlier(shown);
    const last = shown.entries.at(-1);
    if (last) attention.shown(last.conv, last.seq);
  };

  const switcher = new ScreenConversationSwitch(conversations, context, {
    showEarlier,
    print: (line) => screen.print(style.dim(line)),
    report: (line) => screen.print(style.error(line)),
    changed: () => showPrompt(),
  });
  const commandContext: CommandContext = {
    me,
    deviceId: session.deviceId,
    token: session.token,
    api,
    style,
    presence,
    ownGroupChanges,
    book,
    messages: {
      send: (to, text, replyTo) => {
        timeline.typed(sender.send(to, text, replyTo));
        exchanged(me, to);
      },
      sendFile: (to, attachment, caption) => {
        timeline.typed(sender.sendFile(to, attachment.id, caption), undefined, attachment);
        exchanged(me, to);
      },
      act: (request) => void sender.act(request),
      refused: () => {}, // the command's failure is on screen; nothing else depends on it here
    },
    print: (line) => screen.print(line),
    report: (line) => screen.print(style.error(line)),
    progress: (key, line) => void (screen.update(key, line) || screen.print(line, key)),
    conversations: switcher,
    offlineSince: () => label.offlineSince,
    loggingOut: { now: false },
    secrets: terminalQuestions({
      release: () => {
        terminal.stop();
        screen.clear();
      },
      takeBack: () => {
        terminal.start();
        terminal.input.setRawMode(true); // the question's prompt left the terminal in cooked mode
        screen.refresh();
      },
    }),
  };

  return new Promise<ChatOutcome>((resolve) => {
    let finished = false;
    let everConnected = false;
    let outage = false;
    let quitArmed = false;
    const finish = async (outcome: ChatOutcome) => {
      if (finished) return;
      finished = true;
      typing.dispose();
      notices.dispose();
      label.dispose();
      await connection.stop();
      screen.close();
      terminal.stop();
      const queued = connection.outbox.length;
      if (outcome !== "session-ended" && queued > 0) {
        process.stdout.write(`${queued} message(s) are not sent yet; they are kept and sent the next time you start chat-client.\n`);
      }
      resolve(outcome);
    };

    connection.on("status", (status: ConnectionStatus) => {
      label.update(status);
      if (status.state === "ready") {
        screen.print(
          everConnected
            ? style.dim("· Connected again.")
            : `Connected to ${options.server.display} as ${me}. "<name> <message>" sends; /open <name> talks to one person; /help lists the commands.`,
        );
        everConnected = true;
        outage = false;
      } else if (status.state === "offline") {
        if (!outage) {
          const why = everConnected ? `Connection lost (${status.reason}); reconnecting…` : `Cannot reach the chat server at ${options.server.display} (${status.reason}); retrying…`;
          screen.print(style.warn(why));
        }
        outage = true;
      } else if (status.state === "stopped" && status.reason !== "closed" && !commandContext.loggingOut.now) {
        // A /logout typed here ends the session too; the command says so and the client quits.
        screen.print(style.warn(`${SESSION_ENDED[status.reason]} Log in again to continue.`));
        void finish("session-ended");
      }
    });

    connection.on("event", (frame) => timeline.event(frame));
    connection.on("message", (frame) => {
      strangers.message(frame);
      exchanged(frame.from, frame.to);
      typing.stopped(frame.from, frame.to);
      // Only messages count as read: a reaction or an edit does not make a chat unread.
      attention.shown(frame.conv, frame.seq);
    });
    connection.on("stored", (stored) => timeline.stored(stored, storedConversation(stored, book, connection)));
    connection.on("rejected", ({ entry, message }) => timeline.rejected(entry, sanitize(message)));
    connection.on("receipt", (receipt) => {
      if (receipt.by !== me) timeline.receipt(receipt); // not this user's own reading on another device
    });
    connection.on("hidden", (frame) => timeline.hidden(frame));
    connection.on("typing", (frame) => typing.started(frame.from, frame.to));
    connection.on("presence", (frame) => notices.record(frame));
    connection.on("contact", (frame) => strangers.changed(frame.user, frame.state));
    connection.on("groupInvite", (frame) => screen.print(style.accent(`· ${inviteLine(frame.group, frame.from)}`)));
    connection.on("gap", (frame) => {
      const title = connection.titleOf(frame.conv) ?? `conversation ${frame.conv}`;
      screen.print(style.warn(`Some messages with ${title} expired on the server before this device got them.`));
    });
    connection.on("serverError", (frame) => screen.print(style.error(`Server error: ${sanitize(frame.message)}`)));

    terminal.on("focus", (focused) => attention.focus(focused));
    terminal.input.on("keypress", (_text: string | undefined, key: Key | undefined) => {
      attention.keypress();
      if (!(key?.ctrl && key.name === "c")) quitArmed = false;
      // Alt+1…9 is /1…/9.
      if (key?.meta && key.name && /^[1-9]$/.test(key.name)) return void runCommand(commandContext, key.name, []);
      // Whether readline has applied the key when this listener runs depends on the order of listeners; it has by the next turn.
      setImmediate(() => {
        typing.draftChanged();
        showPrompt();
      });
    });
    screen.editor.on("line", (line) => void handleLine(line));
    screen.editor.on("close", () => void finish("quit"));
    screen.editor.on("SIGINT", () => {
      // A half-typed line is not thrown away by a stray Ctrl-C: the first one asks.
      if (screen.currentLine.trim() === "" || quitArmed) return void finish("quit");
      quitArmed = true;
      screen.print(style.dim("· Press Ctrl-C again to quit and lose the line you are typing (Ctrl-D or /quit on an empty line also quit)."));
    });

    async function handleLine(line: string): Promise<void> {
      const input = conversations.route(pastedText(line));
      if (input.kind === "message") {
        try {
          timeline.typed(sender.send(input.to, input.text), line);
          exchanged(me, input.to);
        } catch (error) {
          if (!(error instanceof ChatError)) throw error;
          screen.keepEnteredLine(line);
          screen.print(style.error(`Not sent: ${error.message}`));
        }
        return showPrompt();
      }
      screen.keepEnteredLine(line);
      if (input.kind === "invalid") screen.print(style.error(input.reason));
      if (input.kind !== "command") return screen.refresh();
      const outcome = await runCommand(commandContext, input.name, input.args);
      if (outcome !== "continue") return finish(outcome);
      screen.refresh();
    }

    void (async () => {
      terminal.start();
      showPrompt();
      screen.start();
      // The last messages of the most recent conversations first, rather than an empty screen; unread ones marked.
      const recent = await Promise.race([context.recent().catch(() => []), Bun.sleep(CONTEXT_WAIT_MS).then(() => [])]);
      api.contacts(session.token).then((list) => strangers.load(list), () => {}); // without the list, no line about strangers
      for (const shown of recent) showEarlier(shown);
      conversations.recent(recent.map((shown) => shown.conversation).reverse());
      for (const entry of connection.outbox) if (entry.type === "send") timeline.typed(entry);
      connection.start();
    })();
  });
}
