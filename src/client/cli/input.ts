import { Recipient } from "../../protocol/index.ts";

/** One line the user typed: a message `<recipient> <text>`, a `/command`, or nothing. */
export type InputLine =
  | { kind: "empty" }
  | { kind: "message"; to: string; text: string }
  | { kind: "command"; name: string; args: string[] }
  | { kind: "invalid"; reason: string };

/** A conversation open on the screen: plain lines go to `current`; a line starting with a name it knows goes to that name. */
export interface OpenConversation {
  current: string;
  isKnown(name: string): boolean;
}

/**
 * Reads a line (a paste's line breaks in it). Without an open conversation, a line is `<recipient> <text>`.
 * With one, it goes to the open conversation, unless its first word is a name this device knows (a
 * conversation, a contact, a `#group`): `<name> <text>` still goes to that name. A line's later lines
 * are part of its text, never a recipient.
 */
export function parseInputLine(line: string, open?: OpenConversation): InputLine {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "empty" };
  if (trimmed.startsWith("/")) {
    const [name = "", ...args] = trimmed.slice(1).split(/\s+/);
    return { kind: "command", name: name.toLowerCase(), args };
  }
  // The first word ends at a space or at the end of the first line; the rest is the text, line breaks and all.
  const match = /^(\S+)\s+(\S.*)$/s.exec(trimmed);
  if (open) {
    const named = match ? Recipient.safeParse(match[1]) : undefined;
    if (match && named?.success && open.isKnown(named.data)) return { kind: "message", to: named.data, text: match[2]! };
    return { kind: "message", to: open.current, text: trimmed };
  }
  if (!match) return { kind: "invalid", reason: `Type a message after the name: ${trimmed} <message> (or /help).` };
  const [, recipientText = "", text = ""] = match;
  const recipient = Recipient.safeParse(recipientText);
  if (!recipient.success) return { kind: "invalid", reason: `'${recipientText}' is not a name to send to: ${recipient.error.issues[0]?.message}.` };
  return { kind: "message", to: recipient.data, text };
}

/** Where a line being typed in an open conversation goes, for the prompt to say: a known name once it is followed by a space. */
export function draftDestination(line: string, open: OpenConversation): string {
  const first = /^\s*(\S+)\s/.exec(line)?.[1];
  const named = first === undefined ? undefined : Recipient.safeParse(first);
  return named?.success && open.isKnown(named.data) ? named.data : open.current;
}
