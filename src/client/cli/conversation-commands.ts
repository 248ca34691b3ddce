import { Recipient } from "../../protocol/index.ts";
import { argument, type Command, type CommandContext, type ConversationSwitch } from "./command.ts";

const OPEN_SUMMARY = "make lines without a name go to a user or #group (prompt: bob>); without a name, list the conversations for /1…/9";

/** The open conversation, in a terminal: /open (or /query), /close. /1…/9 and Alt+1…9 switch to the numbered ones. */
export const CONVERSATION_COMMANDS: Command[] = [
  { name: "open", usage: "/open [name]", summary: OPEN_SUMMARY, run: (context, [name]) => open(context, name) },
  { name: "query", usage: "/query [name]", summary: "the same as /open", run: (context, [name]) => open(context, name) },
  {
    name: "close",
    usage: "/close",
    summary: "close the open conversation: lines start with a name again",
    async run(context) {
      const closed = terminalOnly(context)?.close();
      if (closed !== undefined) context.print(context.style.dim(`· Closed ${closed}: start a line with a name to send it.`));
      return "continue";
    },
  },
];

/** `/1` … `/9`: switch to the conversation with that number in `/open`'s list. */
export function numberedSwitch(name: string): Command | undefined {
  if (!/^[1-9]$/.test(name)) return undefined;
  return {
    name,
    usage: `/${name}`,
    summary: `open conversation ${name} of the list /open shows`,
    async run(context) {
      await terminalOnly(context)?.openNumber(Number(name));
      return "continue";
    },
  };
}

async function open(context: CommandContext, name: string | undefined) {
  const conversations = terminalOnly(context);
  if (!conversations) return "continue" as const;
  if (name === undefined) {
    const list = conversations.list();
    if (list.length === 0) context.print("No conversations yet: /open <name> opens one.");
    for (const { number, name: each } of list) {
      const open = each === conversations.current ? " (open)" : "";
      context.print(`${number <= 9 ? `/${number}` : "  "} ${each}${open}`);
    }
    return "continue" as const;
  }
  await conversations.open(argument(Recipient, name, "a user or #group"));
  return "continue" as const;
}

/** The switch, or undefined after saying that script mode has none. */
function terminalOnly(context: CommandContext): ConversationSwitch | undefined {
  if (!context.conversations) context.report("A conversation is opened in the interactive client; in a script, start each line with its recipient.");
  return context.conversations;
}
