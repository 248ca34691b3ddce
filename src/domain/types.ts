/** Domain records, in the words of the product; no driver or socket types here. */

export type UserId = number;
export type DeviceId = number;
export type ConversationId = number;

export interface User {
  id: UserId;
  name: string;
  passwordHash: string;
}

/** What a user lets others see; whoever hides something does not see it of others either. */
export interface Privacy {
  hideLastSeen: boolean;
  readReceipts: boolean;
  /** Who may add the user to a group; anyone else's add becomes an invitation. */
  groupAdds: GroupAdds;
}

export type GroupAdds = "everyone" | "contacts" | "nobody";

export type Role = "admin" | "member";

export interface GroupMember {
  userId: UserId;
  name: string;
  role: Role;
}

export interface Group {
  conv: ConversationId;
  name: string;
}

/**
 * A user whose presence another may see: a contact, one who counts the other as a contact
 * and is counted back (each wrote to the other, or added them).
 */
export interface Contact {
  userId: UserId;
  name: string;
  lastSeen: number | null;
  hideLastSeen: boolean;
}

/** An add to a group that the person's `groupAdds` setting turned into an invitation. */
export interface GroupInvite {
  conv: ConversationId;
  group: string;
  inviterId: UserId;
  inviter: string;
  at: number;
}

export interface Device {
  id: DeviceId;
  userId: UserId;
  name: string;
  createdAt: number;
  lastActive: number;
}

export type ConversationKind = "direct" | "group";

/** A conversation as one member sees it: where its stream stands and where the member's view starts. */
export interface Membership {
  conv: ConversationId;
  kind: ConversationKind;
  /** The other user's name (direct) or the group's name (group). */
  title: string;
  lastSeq: number;
  /** The member sees messages after this sequence only (a late joiner sees nothing from before). */
  joinedSeq: number;
}

/** How far one member has got in a conversation: every message up to `delivered` reached a device, up to `read` was seen. */
export interface Watermarks {
  userId: UserId;
  name: string;
  delivered: number;
  read: number;
}

/** A conversation with every member's marks, and whether each member shares read receipts. */
export interface ConversationMarks {
  conv: ConversationId;
  kind: ConversationKind;
  /** A group's name; null for a direct conversation. */
  name: string | null;
  members: Array<Watermarks & { sharesReadReceipts: boolean }>;
}

/** A group's lowest marks over all its members: its one receipt. */
export interface GroupMarks {
  conv: ConversationId;
  name: string;
  delivered: number;
  read: number;
}

/** A user has seen a conversation up to `seq`. */
export interface ReadMark {
  userId: UserId;
  conv: ConversationId;
  seq: number;
}

export interface CursorUpdate {
  device: DeviceId;
  userId: UserId;
  conv: ConversationId;
  seq: number;
}
