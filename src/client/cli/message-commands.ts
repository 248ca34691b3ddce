import { z } from "zod";
import { ChatError, Emoji, Recipient } from "../../protocol/index.ts";
import { ServerUnreachableError } from "../sdk/errors.ts";
import { argument, type Command, type CommandContext, UsageError } from "./command.ts";
import { messageLine, timed } from "./format.ts";
import { hitRecord } from "./json-records.ts";
import type { MessageTarget } from "./message-book.ts";

/** The disappearing-message timers as people write them, in seconds. */
const TIMERS = { off: 0, "24h": 86_400, "7d": 604_800, "90d": 7_776_000 } as const;
const TimerChoice = z.enum(Object.keys(TIMERS) as [keyof typeof TIMERS]);
const SEARCH_PAGE = 20;

/** Replies, edits, deletes, reactions, disappearing messages and search: the messages already in a conversation. */
export const MESSAGE_COMMANDS: Command[] = [
  {
    name: "reply",
    usage: "/reply <message> <text>…",
    summary: "answer a message (its ^number or id), quoting it",
    async run(context, [ref, ...words]) {
      const target = find(context, ref);
      const text = words.join(" ");
      if (text === "") throw new UsageError("Type the reply after the message.");
      const what = `reply to ${context.book.label(target.id)}`;
      await refusable(context, what, async () => {
        // A message names its conversation: for one this run has not seen, the server says which it is.
        const to = target.to ?? (await context.api.locate(context.token, target.id)).with;
        context.messages.send(to, text, target.id);
      });
      return "continue";
    },
  },
  {
    name: "edit",
    usage: "/edit <message> <text>…",
    summary: "change the text of your message (for a short while after sending it)",
    async run(context, [ref, ...words]) {
      const target = find(context, ref);
      const text = words.join(" ");
      if (text === "") throw new UsageError("Type the new text after the message.");
      await refusable(context, `edit of ${context.book.label(target.id)}`, () =>
        context.messages.act({ type: "edit", target: target.id, text, ...conversation(target) }),
      );
      return "continue";
    },
  },
  {
    name: "delete",
    usage: "/delete <message>",
    summary: "delete a message for everyone (your own, or any in a group you admin)",
    async run(context, [ref]) {
      const target = find(context, ref);
      await refusable(context, `deletion of ${context.book.label(target.id)}`, () =>
        context.messages.act({ type: "delete", target: target.id, ...conversation(target) }),
      );
      return "continue";
    },
  },
  {
    name: "delete-for-me",
    usage: "/delete-for-me <message>",
    summary: "stop showing a message on your devices; the others keep it",
    async run(context, [ref]) {
      const target = find(context, ref);
      const label = context.book.label(target.id);
      await refusable(context, `deletion of ${label} for you`, () => context.api.hide(context.token, { id: target.id, ...conversation(target) }));
      context.print(`Deleted ${label} for you.`);
      return "continue";
    },
  },
  {
    name: "react",
    usage: "/react <message> [emoji]",
    summary: "react with one emoji; without one, take your reaction back",
    async run(context, [ref, emojiText]) {
      const target = find(context, ref);
      const emoji = emojiText === undefined ? null : argument(Emoji, emojiText, "one emoji");
      await refusable(context, `reaction to ${context.book.label(target.id)}`, () =>
        context.messages.act({ type: "react", target: target.id, emoji, ...conversation(target) }),
      );
      return "continue";
    },
  },
  {
    name: "timer",
    usage: "/timer <name> off|24h|7d|90d",
    summary: "disappearing messages with a user or #group: new messages vanish after that long",
    async run(context, [who, choice]) {
      const to = argument(Recipient, who, "a user or #group");
      const seconds = TIMERS[argument(TimerChoice, choice, "off, 24h, 7d or 90d")];
      await refusable(context, `timer for ${to}`, () => context.messages.act({ type: "timer", to, seconds }));
      return "continue";
    },
  },
  {
    name: "search",
    usage: "/search <words>…",
    summary: "find messages with all these words, newest first",
    async run(context, words) {
      if (words.length === 0) throw new UsageError("Give the words to look for.");
      const page = await context.api.search(context.token, { q: words.join(" "), limit: SEARCH_PAGE });
      if (page.hits.length === 0) context.print("No messages found.");
      for (const hit of page.hits) {
        if (context.record) {
          context.book.note(hit.id, hit.with);
          context.record(hitRecord(hit));
          continue;
        }
        const line = timed(messageLine({ from: hit.from, to: hit.with, text: hit.snippet }, context.me, context.style), hit.ts, context.style);
        context.print(`${line} ${context.style.dim(context.book.refer(hit.id, hit.with))}`);
      }
      if (page.next !== null) context.print(context.style.dim(`Only the newest ${SEARCH_PAGE} are shown; add words to narrow the search.`));
      return "continue";
    },
  },
];

function find(context: CommandContext, ref: string | undefined): MessageTarget {
  if (ref === undefined) throw new UsageError(`Give the message: ${context.book.shortRefs ? "the ^number shown after it, or its id" : "its id"}.`);
  return context.book.find(ref);
}

/** The target's conversation when this run knows it; without it the server finds the message by id. */
function conversation(target: MessageTarget): { to?: string } {
  return target.to === undefined ? {} : { to: target.to };
}

/** Runs a request; one that fails (refused here, or by the server over HTTP) is counted before the failure is reported. */
export async function refusable(context: CommandContext, what: string, request: () => unknown): Promise<void> {
  try {
    await request();
  } catch (error) {
    if (error instanceof ChatError || error instanceof ServerUnreachableError) context.messages.refused(what);
    throw error;
  }
}
