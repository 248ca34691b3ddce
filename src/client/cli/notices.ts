import type { NoticeFrame } from "../../protocol/index.ts";
import type { ContactPresence } from "../sdk/presence-book.ts";
import { formatTime } from "./format.ts";

/**
 * One line for a change to a conversation, with "you" for the user: `[#team] alice added carol` in a
 * group; in a direct chat `bob turned on disappearing messages: 24 hours`, or `you turned on
 * disappearing messages with bob: 7 days`. Names need no cleaning: the protocol allows only a-z,
 * digits, '_', '-' and '.' in them.
 */
export function noticeLine(frame: NoticeFrame, me: string): string {
  const person = (name: string | undefined) => (name === me ? "you" : (name ?? "someone"));
  const by = person(frame.from);
  const user = person(frame.user);
  const what = {
    created: `${by} created the group`,
    added: `${by} added ${user}`,
    joined: `${by} joined, invited by ${user}`,
    removed: `${by} removed ${user}`,
    left: `${user} left`,
    promoted: `${by} made ${user} an admin`,
    renamed: `${by} renamed #${frame.previousName ?? "?"} to #${frame.group ?? frame.to.slice(1)}`,
    timer: frame.seconds ? `${by} turned on disappearing messages: ${describeTimer(frame.seconds)}` : `${by} turned off disappearing messages`,
  }[frame.change];
  if (frame.to.startsWith("#")) return `[${frame.to}] ${what}`;
  return frame.from === me ? what.replace("disappearing messages", `disappearing messages with ${frame.to}`) : what;
}

/** `24 hours`, `7 days`, `90 days`. */
export function describeTimer(seconds: number): string {
  const hours = seconds / 3600;
  return hours < 48 ? `${hours} hours` : `${hours / 24} days`;
}

/**
 * `bob is online`, `bob was last seen 14:02`, or `bob is offline (last seen not available)` when it is hidden or
 * unknown; `bob was online at 14:02` when that is all this client knows, being offline itself since then (`asOf`).
 */
export function presenceLine(contact: ContactPresence, now: number = Date.now(), asOf?: number): string {
  if (contact.online) return asOf === undefined ? `${contact.user} is online` : `${contact.user} was online at ${formatTime(asOf, now)}`;
  if (contact.lastSeen === null) return `${contact.user} is offline (last seen not available)`;
  return `${contact.user} was last seen ${formatTime(contact.lastSeen, now)}`;
}
