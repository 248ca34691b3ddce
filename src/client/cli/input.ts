import { Recipient } from "../../protocol/index.ts";

/** One line the user typed: a message `<recipient> <text>`, a `/command`, or nothing. */
export type InputLine =
  | { kind: "empty" }
  | { kind: "message"; to: string; text: string }
  | { kind: "command"; name: string; args: string[] }
  | { kind: "invalid"; reason: string };

export function parseInputLine(line: string): InputLine {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "empty" };
  if (trimmed.startsWith("/")) {
    const [name = "", ...args] = trimmed.slice(1).split(/\s+/);
    return { kind: "command", name: name.toLowerCase(), args };
  }
  const match = /^(\S+)\s+(.+)$/s.exec(trimmed);
  if (!match) return { kind: "invalid", reason: `Type a message after the name: ${trimmed} <message> (or /help).` };
  const [, recipientText = "", text = ""] = match;
  const recipient = Recipient.safeParse(recipientText);
  if (!recipient.success) return { kind: "invalid", reason: `'${recipientText}' is not a name to send to: ${recipient.error.issues[0]?.message}.` };
  return { kind: "message", to: recipient.data, text };
}
