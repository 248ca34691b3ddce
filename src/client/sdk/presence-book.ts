import type { z } from "zod";
import type { PresenceFrame } from "../../protocol/index.ts";

/** A contact's presence as last heard: `lastSeen` is null when either side hides it. */
export interface ContactPresence {
  user: string;
  online: boolean;
  lastSeen: number | null;
}

/** `first`: nothing was known of this contact before (as for the whole snapshot after connecting). */
export type PresenceChange = "first" | "came-online" | "went-offline" | "unchanged";

/**
 * What this device last heard of each contact's presence. The server tells a device
 * where every contact stands when it connects and pushes changes afterwards; contacts
 * are the people one shares a conversation or a group with, nobody else.
 */
export class PresenceBook {
  private readonly contacts = new Map<string, ContactPresence>();

  record(frame: z.infer<typeof PresenceFrame>): PresenceChange {
    const before = this.contacts.get(frame.user);
    this.contacts.set(frame.user, { user: frame.user, online: frame.online, lastSeen: frame.lastSeen });
    if (!before) return "first";
    if (before.online === frame.online) return "unchanged";
    return frame.online ? "came-online" : "went-offline";
  }

  of(user: string): ContactPresence | undefined {
    return this.contacts.get(user);
  }

  /** Every contact heard of, by name. */
  all(): ContactPresence[] {
    return [...this.contacts.values()].sort((a, b) => a.user.localeCompare(b.user));
  }
}
