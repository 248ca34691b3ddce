import type {
  AppendResult,
  ConversationId,
  CursorUpdate,
  Device,
  DeviceId,
  Membership,
  NewMessage,
  StoredMessage,
  User,
  UserId,
  Watermarks,
  ConversationKind,
  ConversationMarks,
  Contact,
  Group,
  GroupMember,
  Privacy,
  Role,
} from "../domain/types.ts";

/**
 * Everything the server keeps, in domain terms. One driver per backend
 * (SQLite for one machine, PostgreSQL for several). Every method is one
 * transaction; a batch method commits its whole batch at once so callers
 * can group the writes of one event-loop tick (group commit).
 *
 * Guarantees every driver gives:
 * - `appendMessages` assigns each conversation dense, increasing sequences,
 *   and keeps one copy per (sender, clientId): a repeat returns the original
 *   seq and time with `duplicate: true`. Calls may overlap (the next batch is
 *   handed over while one commits); they commit in the order they were made.
 * - Watermarks and device cursors only move forward.
 * - Appending a message raises the sender's own delivered and read marks to it
 *   (you have seen what you wrote) when they stood just below it: a mark never
 *   jumps over others' messages the sender's devices have not acknowledged.
 */
export interface Store {
  // accounts and devices
  createUser(name: string, passwordHash: string, now: number): Promise<User | null>;
  userByName(name: string): Promise<User | null>;
  userById(id: UserId): Promise<User | null>;
  /** A new device starts, in every conversation, where the user's delivery watermark stands: undelivered messages reach it, delivered ones stay in history. */
  /** Null when the user has `maxDevices` devices already: counted in the same transaction as the insert. */
  createDevice(userId: UserId, name: string, tokenHash: string, now: number, maxDevices: number): Promise<Device | null>;
  deviceByTokenHash(tokenHash: string): Promise<Device | null>;
  devicesOf(userId: UserId): Promise<Device[]>;
  /** Deletes the device and its token; false when the user has no such device. */
  revokeDevice(userId: UserId, deviceId: DeviceId): Promise<boolean>;
  touchDevices(deviceIds: DeviceId[], now: number): Promise<void>;

  // privacy and presence
  privacyOf(userId: UserId): Promise<Privacy>;
  setPrivacy(userId: UserId, update: Partial<Privacy>): Promise<Privacy>;
  setLastSeen(userId: UserId, at: number): Promise<void>;
  lastSeenOf(userId: UserId): Promise<number | null>;
  /** Everyone who shares a conversation with the user. */
  contactsOf(userId: UserId): Promise<Contact[]>;

  // conversations
  /** The direct conversation of two users, created with both as members on first use. */
  directConversation(a: UserId, b: UserId, now: number): Promise<ConversationId>;
  membershipsOf(userId: UserId): Promise<Membership[]>;
  /** The user's membership of one conversation; null when they are not in it. */
  membership(userId: UserId, conv: ConversationId): Promise<Membership | null>;
  /** A conversation's kind and, for a group, its current name; null when it does not exist. */
  conversationInfo(conv: ConversationId): Promise<{ kind: ConversationKind; name: string | null } | null>;
  membersOf(conv: ConversationId): Promise<Watermarks[]>;
  /** Every conversation of the user that has messages, with its members' marks (ordered by name): one read on connect. */
  conversationMarksOf(userId: UserId): Promise<ConversationMarks[]>;

  // groups
  /** Creates the group with the creator as admin and the others as members; null when the name is taken. */
  createGroup(name: string, creator: UserId, members: UserId[], now: number): Promise<Group | null>;
  groupByName(name: string): Promise<Group | null>;
  groupMembers(conv: ConversationId): Promise<GroupMember[]>;
  /** Adds a member who sees messages from now on; false when already a member. */
  addGroupMember(conv: ConversationId, userId: UserId): Promise<boolean>;
  /** Removes a member and their place in the stream; false when not a member. */
  removeGroupMember(conv: ConversationId, userId: UserId): Promise<boolean>;
  setGroupRole(conv: ConversationId, userId: UserId, role: Role): Promise<boolean>;
  /** False when another group has the new name. */
  renameGroup(conv: ConversationId, name: string): Promise<boolean>;

  // messages
  appendMessages(batch: NewMessage[]): Promise<AppendResult[]>;
  /** Messages of `conv` with seq > after, oldest first. */
  messagesAfter(conv: ConversationId, after: number, limit: number): Promise<StoredMessage[]>;
  /** Messages of `conv` with seq < before (or the newest), newest first. */
  messagesBefore(conv: ConversationId, before: number | null, limit: number): Promise<StoredMessage[]>;
  /** Oldest sequence still stored in `conv` (retention may have removed older ones); null when none. */
  oldestSeq(conv: ConversationId): Promise<number | null>;
  /** Deletes messages sent before `cutoff`; returns how many. */
  deleteMessagesBefore(cutoff: number): Promise<number>;

  // cursors and receipts
  /** Device cursors per conversation (absent: the device has seen nothing of it). */
  cursorsOf(device: DeviceId): Promise<Map<ConversationId, number>>;
  /** Moves device cursors and the owners' delivery watermarks forward; returns the watermarks that moved. */
  saveDelivered(updates: CursorUpdate[]): Promise<Array<{ conv: ConversationId; userId: UserId; delivered: number }>>;
  /** Moves a read watermark forward; returns the new value, or null when it did not move or the user is not a member. */
  saveRead(userId: UserId, conv: ConversationId, seq: number): Promise<number | null>;

  /** Resolves when the store answers a trivial query; for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
