import type { ConversationId, GroupInvite, UserId } from "../domain/types.ts";

/**
 * Who counts whom as a contact, who blocked whom, and group invitations. Counting is one-sided;
 * two people are contacts when each counts the other. Blocking someone stops counting them.
 */
export interface ContactStore {
  /** `owner` counts `other` as a contact from `now`: whether that is new, and whether `other` counts `owner` too. */
  addContact(owner: UserId, other: UserId, now: number): Promise<{ added: boolean; mutual: boolean }>;
  /** False when `owner` did not count `other`. */
  removeContact(owner: UserId, other: UserId): Promise<boolean>;
  /** Whether `owner` counts `other` as a contact: a read, so a repeat of addContact can be skipped without a write. */
  countsAsContact(owner: UserId, other: UserId): Promise<boolean>;
  /** Whether each of the two counts the other as a contact. */
  areContacts(a: UserId, b: UserId): Promise<boolean>;
  /** Everyone `owner` counts as a contact, by name, and whether each counts `owner` back. */
  contactListOf(owner: UserId): Promise<Array<{ name: string; mutual: boolean }>>;
  /** `owner` blocks `other` and stops counting them as a contact, in one transaction; false when blocked already. */
  block(owner: UserId, other: UserId, now: number): Promise<boolean>;
  /** False when `owner` had not blocked `other`. */
  unblock(owner: UserId, other: UserId): Promise<boolean>;
  hasBlocked(owner: UserId, other: UserId): Promise<boolean>;
  /** The names of everyone `owner` blocked. */
  blockedBy(owner: UserId): Promise<string[]>;
  /** Invites `userId` to the group; false when an invitation from anyone is pending already. */
  inviteToGroup(conv: ConversationId, userId: UserId, inviter: UserId, now: number): Promise<boolean>;
  /** The user's pending invitations, oldest first. */
  groupInvitesOf(userId: UserId): Promise<GroupInvite[]>;
  /** Removes the pending invitation and says who sent it; null when there was none. */
  takeGroupInvite(conv: ConversationId, userId: UserId): Promise<UserId | null>;
}
