import { ChatError } from "../../protocol/index.ts";
import { ServerUnreachableError } from "../sdk/errors.ts";
import { ACCOUNT_COMMANDS } from "./account-commands.ts";
import { type Command, type CommandContext, type CommandOutcome, UsageError } from "./command.ts";
import { CONTACT_COMMANDS } from "./contact-commands.ts";
import { CONVERSATION_COMMANDS, numberedSwitch } from "./conversation-commands.ts";
import { FILE_COMMANDS } from "./file-commands.ts";
import { GROUP_COMMANDS } from "./group-commands.ts";
import { MESSAGE_COMMANDS } from "./message-commands.ts";
import { sanitize } from "./sanitize.ts";
import { SELF_SERVICE_COMMANDS } from "./self-service-commands.ts";
import { SOCIAL_COMMANDS } from "./social-commands.ts";

export type { CommandContext, CommandOutcome } from "./command.ts";

const HELP: Command = {
  name: "help",
  usage: "/help",
  summary: "list the commands",
  async run(context) {
    const width = Math.max(...COMMANDS.map((command) => command.usage.length));
    context.print(`${"<name> <message>".padEnd(width)}  send a message to a user; #<group> <message> to a group`);
    for (const command of COMMANDS) context.print(`${command.usage.padEnd(width)}  ${command.summary}`);
    return "continue";
  },
};

export const COMMANDS: Command[] = [HELP, ...CONVERSATION_COMMANDS, ...MESSAGE_COMMANDS, ...FILE_COMMANDS, ...ACCOUNT_COMMANDS, ...SELF_SERVICE_COMMANDS, ...GROUP_COMMANDS, ...SOCIAL_COMMANDS, ...CONTACT_COMMANDS];

/** Runs `/name args`; an unknown command, unfit arguments or a failed request is reported, never thrown. */
export async function runCommand(context: CommandContext, name: string, args: string[]): Promise<CommandOutcome> {
  const words = [name, ...args.map((arg) => arg.toLowerCase())];
  const command = findCommand(words) ?? numberedSwitch(name);
  if (!command) {
    context.report(unknownCommand(name));
    return "continue";
  }
  const commandArgs = args.slice(command.name.split(" ").length - 1);
  try {
    if (commandArgs.length > maxArguments(command)) throw new UsageError("Too many words.");
    return await command.run(context, commandArgs);
  } catch (error) {
    if (error instanceof UsageError) {
      context.report(`${sanitize(error.message)} Usage: ${command.usage} (${command.summary}).`);
      return "continue";
    }
    if (error instanceof ChatError || error instanceof ServerUnreachableError) {
      context.report(`/${command.name} failed: ${sanitize(error.message)}`);
      return "continue";
    }
    throw error;
  }
}

/** The command whose name is the longest run of leading words (`/group add …` before a plain `/group`). */
function findCommand(words: string[]): Command | undefined {
  let found: Command | undefined;
  for (const command of COMMANDS) {
    const name = command.name.split(" ");
    const matches = name.every((word, index) => words[index] === word);
    if (matches && name.length > (found?.name.split(" ").length ?? 0)) found = command;
  }
  return found;
}

function unknownCommand(name: string): string {
  const family = COMMANDS.filter((command) => command.name.startsWith(`${name} `)).map((command) => command.name.split(" ")[1]);
  if (family.length > 0) return `/${name} needs one of: ${family.join(", ")}; /help lists the commands.`;
  return `Unknown command /${sanitize(name)}; /help lists the commands.`;
}

/** How many arguments the usage line allows: one per parameter, any number after one ending in `…`. */
function maxArguments(command: Command): number {
  const parameters = command.usage.split(" ").slice(command.name.split(" ").length);
  return parameters.some((parameter) => parameter.endsWith("…") || parameter.endsWith("…]")) ? Infinity : parameters.length;
}
