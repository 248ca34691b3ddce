import { z } from "zod";
import { ChatError, Recipient } from "../../protocol/index.ts";
import type { ChatApi } from "../sdk/api.ts";
import { ServerUnreachableError } from "../sdk/errors.ts";
import { formatTime, historyLine, type Style } from "./format.ts";
import { sanitize } from "./sanitize.ts";

/** What a command needs from the client running it; the same commands serve the terminal and script mode. */
export interface CommandContext {
  me: string;
  deviceId: number;
  token: string;
  api: ChatApi;
  style: Style;
  /** Prints a line of output (stdout in script mode, above the prompt in a terminal). */
  print(line: string): void;
  /** Reports a problem (one line on stderr in script mode). */
  report(line: string): void;
}

/** `logged-out`: this device's session ended (/logout); the client forgets its token and quits. */
export type CommandOutcome = "continue" | "quit" | "logged-out";

interface Command {
  name: string;
  usage: string;
  summary: string;
  run(context: CommandContext, args: string[]): Promise<CommandOutcome>;
}

const DEFAULT_HISTORY_LENGTH = 20;
const HistoryLength = z.coerce.number().int().min(1).max(200);
const DeviceId = z.coerce.number().int().positive();

const COMMANDS: Command[] = [
  {
    name: "help",
    usage: "/help",
    summary: "list the commands",
    async run(context) {
      context.print("<name> <message>          send a message to a user; #<group> <message> to a group");
      for (const command of COMMANDS) context.print(`${command.usage.padEnd(25)} ${command.summary}`);
      return "continue";
    },
  },
  {
    name: "history",
    usage: "/history <name> [N]",
    summary: `show the last N messages with a user or #group (default ${DEFAULT_HISTORY_LENGTH}), with times and ticks`,
    async run(context, [who, count]) {
      const peer = Recipient.safeParse(who ?? "");
      const limit = HistoryLength.safeParse(count ?? DEFAULT_HISTORY_LENGTH);
      if (!peer.success || !limit.success) return usageError(context, this);
      const page = await context.api.history(context.token, { with: peer.data, limit: limit.data });
      if (page.messages.length === 0) context.print(`No messages with ${peer.data} yet.`);
      for (const message of [...page.messages].reverse()) context.print(historyLine(message, context.me, context.style));
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
      const deviceId = DeviceId.safeParse(id ?? "");
      if (!deviceId.success) return usageError(context, this);
      await context.api.revokeDevice(context.token, deviceId.data);
      context.print(`Device ${deviceId.data} is logged out.`);
      return deviceId.data === context.deviceId ? "logged-out" : "continue";
    },
  },
  {
    name: "logout",
    usage: "/logout",
    summary: "log this device out and quit (the next start asks for the password)",
    async run(context) {
      await context.api.logout(context.token);
      context.print("This device is logged out.");
      return "logged-out";
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

function usageError(context: CommandContext, command: Command): CommandOutcome {
  context.report(`Usage: ${command.usage} (${command.summary}).`);
  return "continue";
}

/** Runs `/name args`; an unknown command or a failed request is reported, never thrown. */
export async function runCommand(context: CommandContext, name: string, args: string[]): Promise<CommandOutcome> {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    context.report(`Unknown command /${name}; /help lists the commands.`);
    return "continue";
  }
  try {
    return await command.run(context, args);
  } catch (error) {
    if (error instanceof ChatError || error instanceof ServerUnreachableError) {
      context.report(`/${name} failed: ${sanitize(error.message)}`);
      return "continue";
    }
    throw error;
  }
}
