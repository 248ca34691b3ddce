import { z } from "zod";
import { Recipient } from "../../protocol/index.ts";
import { argument, type Command, type CommandContext, type CommandOutcome } from "./command.ts";
import { formatTime } from "./format.ts";
import { conversationOf } from "./message-book.ts";
import { viewLines, viewOfMessage } from "./message-view.ts";
import { noticeLine } from "./notices.ts";
import { sanitize } from "./sanitize.ts";

const DEFAULT_HISTORY_LENGTH = 20;
const HistoryLength = z.coerce.number().int().min(1).max(200);
const DeviceId = z.coerce.number().int().positive();

/** History, devices and leaving. */
export const ACCOUNT_COMMANDS: Command[] = [
  {
    name: "history",
    usage: "/history <name> [N]",
    summary: `the last N messages with a user or #group (default ${DEFAULT_HISTORY_LENGTH}), with ticks, edits and reactions`,
    async run(context, [who, count]) {
      const peer = argument(Recipient, who, "a user or #group");
      const limit = count === undefined ? DEFAULT_HISTORY_LENGTH : argument(HistoryLength, count, "a number of messages from 1 to 200");
      const page = await context.api.history(context.token, { with: peer, limit });
      const { me, style, book } = context;
      if (page.messages.length === 0) context.print(`No messages with ${peer} yet.`);
      for (const entry of [...page.messages].reverse()) {
        if (entry.type === "notice") {
          context.print(style.dim(noticeLine(entry, me)));
          continue;
        }
        const ref = book.refer(entry.id, conversationOf(entry, me));
        const label = (id: string) => book.label(id);
        const { quote, line } = viewLines(viewOfMessage(entry), me, style, { tick: entry.from === me ? entry.status : undefined, ref, label });
        if (quote) context.print(quote);
        context.print(line);
      }
      return "continue";
    },
  },
  {
    name: "devices",
    usage: "/devices",
    summary: "list the devices logged in to your account",
    async run(context) {
      const { devices } = await context.api.devices(context.token);
      for (const device of devices) {
        const current = device.current ? context.style.accent(" (this device)") : "";
        context.print(`${String(device.id).padStart(4)}  ${sanitize(device.name)}${current}  last active ${formatTime(device.lastActive)}`);
      }
      return "continue";
    },
  },
  {
    name: "logout-device",
    usage: "/logout-device <id>",
    summary: "log out one of your devices (see /devices)",
    async run(context, [id]) {
      const deviceId = argument(DeviceId, id, "a device number from /devices");
      if (deviceId === context.deviceId) return logOutThisDevice(context, () => context.api.revokeDevice(context.token, deviceId));
      await context.api.revokeDevice(context.token, deviceId);
      context.print(`Device ${deviceId} is logged out.`);
      return "continue";
    },
  },
  {
    name: "logout",
    usage: "/logout",
    summary: "log this device out and quit (the next start asks for the password)",
    async run(context) {
      return logOutThisDevice(context, () => context.api.logout(context.token));
    },
  },
  {
    name: "quit",
    usage: "/quit",
    summary: "leave (messages not yet sent stay queued for the next start)",
    async run() {
      return "quit";
    },
  },
];

/**
 * Ends this device's session. The server closes the connection as it would for a logout from another
 * device; `loggingOut` tells the client that this one was asked for here.
 */
async function logOutThisDevice(context: CommandContext, request: () => Promise<void>): Promise<CommandOutcome> {
  context.loggingOut.now = true;
  try {
    await request();
  } catch (error) {
    context.loggingOut.now = false;
    throw error;
  }
  context.print("This device is logged out; the next start asks for the password.");
  return "logged-out";
}
