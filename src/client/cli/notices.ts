import type { GroupFrame } from "../../protocol/index.ts";
import type { ContactPresence } from "../sdk/presence-book.ts";
import { formatTime } from "./format.ts";

/**
 * One line for a change to a group, e.g. `[#team] alice added carol`, with "you" for the user.
 * Names need no cleaning: the protocol allows only a-z, digits, '_', '-' and '.' in them.
 */
export function groupNoticeLine(frame: GroupFrame, me: string): string {
  const person = (name: string | undefined) => (name === me ? "you" : (name ?? "someone"));
  const by = person(frame.by);
  const user = person(frame.user);
  const what = {
    created: `${by} created the group`,
    added: `${by} added ${user}`,
    removed: `${by} removed ${user}`,
    left: `${user} left`,
    promoted: `${by} made ${user} an admin`,
    renamed: `${by} renamed #${frame.previousName ?? "?"} to #${frame.group}`,
  }[frame.change];
  return `[#${frame.group}] ${what}`;
}

/** `bob is online`, `bob was last seen 14:02`, or `bob is offline (last seen not available)` when it is hidden or unknown. */
export function presenceLine(contact: ContactPresence, now: number = Date.now()): string {
  if (contact.online) return `${contact.user} is online`;
  if (contact.lastSeen === null) return `${contact.user} is offline (last seen not available)`;
  return `${contact.user} was last seen ${formatTime(contact.lastSeen, now)}`;
}
