import type { AppendResult, EventPolicy, NewEvent, Reaction, StoredEvent } from "../domain/events.ts";
import type {
  ConversationId,
  ConversationKind,
  ConversationMarks,
  CursorUpdate,
  DeviceId,
  GroupMarks,
  ReadMark,
  Membership,
  UserId,
  Watermarks,
} from "../domain/types.ts";

/** One conversation of a user, as `conversationSummariesOf` reads it. */
export interface ConversationSummaryRow {
  conv: ConversationId;
  /** Seq of the newest message or notice the user sees; 0 when there is none. */
  lastSeq: number;
  read: number;
  unread: number;
}

/**
 * Conversations as streams of events, the members' places in them, and search.
 *
 * Guarantees every driver gives:
 * - `appendEvents` assigns each conversation dense, increasing sequences. An event's id is
 *   unique in its conversation: a repeat by the same sender returns the original seq and time
 *   with `duplicate: true`; the same id from another sender is refused (`id_taken`). Calls may
 *   overlap (the next batch is handed over while one commits); they commit in call order.
 * - An action (reply, edit, delete, reaction, timer) is judged by `judgeEvent` against its
 *   target as it stands inside the same transaction, so it sees the batch's earlier events.
 * - An edit replaces its message's text; a delete, or the end of a disappearing message's time,
 *   removes the text of the message and of its edits from the store and the search index.
 * - Watermarks and device cursors only move forward. Appending raises the sender's own delivered
 *   and read marks to it when they stood just below it: a mark never jumps over others' events
 *   the sender's devices have not acknowledged.
 */
export interface ConversationLog {
  /** The direct conversation of two users, created with both as members on first use. */
  directConversation(a: UserId, b: UserId, now: number): Promise<ConversationId>;
  /** The direct conversation of the two, if it exists: a read, so the common case never waits for the writer. */
  findDirectConversation(a: UserId, b: UserId): Promise<ConversationId | null>;
  membershipsOf(userId: UserId): Promise<Membership[]>;
  /** The user's membership of one conversation; null when they are not in it. */
  membership(userId: UserId, conv: ConversationId): Promise<Membership | null>;
  /** A conversation's kind and, for a group, its current name; null when it does not exist. */
  conversationInfo(conv: ConversationId): Promise<{ kind: ConversationKind; name: string | null } | null>;
  membersOf(conv: ConversationId): Promise<Watermarks[]>;
  /** Every conversation of the user that has events (of `kind` only, when given), with its members' marks (ordered by name). */
  conversationMarksOf(userId: UserId, kind?: ConversationKind): Promise<ConversationMarks[]>;
  /** The user's groups that have events, each with its lowest marks over all members: one read on connect, whatever the groups' sizes. */
  groupMarksOf(userId: UserId): Promise<GroupMarks[]>;
  /** One group's lowest marks over all members; null for a conversation that is not a group. */
  groupMarks(conv: ConversationId): Promise<GroupMarks | null>;

  appendEvents(batch: NewEvent[], policy: EventPolicy): Promise<AppendResult[]>;
  /** Events of `conv` with seq > after, oldest first; `hidden` as `viewer` sees them. */
  eventsAfter(conv: ConversationId, after: number, limit: number, viewer: UserId): Promise<StoredEvent[]>;
  /** Messages and notices of `conv` with seq < before (or the newest), newest first, leaving out what `viewer` hid. */
  timelineBefore(conv: ConversationId, before: number | null, limit: number, viewer: UserId): Promise<StoredEvent[]>;
  /**
   * For the chat list, one read for all the user's conversations: the newest seq of a message or
   * notice the user sees (0: none), their read mark, and how many messages are unread: others'
   * messages after the read mark (and after joining), neither deleted nor hidden by the user.
   * Reactions, edits and notices never count.
   */
  conversationSummariesOf(userId: UserId): Promise<ConversationSummaryRow[]>;
  /** Current reactions to these messages of `conv`. */
  reactionsTo(conv: ConversationId, seqs: number[]): Promise<Reaction[]>;
  /** The user's conversations holding an event with this id (normally one). */
  conversationsWithEvent(userId: UserId, clientId: string): Promise<ConversationId[]>;
  /** Deletes a message for one user only; false when `conv` has no message with that id. */
  hideEvent(userId: UserId, conv: ConversationId, clientId: string): Promise<boolean>;
  /**
   * Messages holding every word, in the user's conversations after they joined, not deleted or
   * hidden by them, newest first; `before` is the `next` of the previous page.
   */
  searchMessages(userId: UserId, words: string[], before: number | null, limit: number): Promise<{ events: StoredEvent[]; next: number | null }>;
  /** Removes the text of messages whose disappearing time has come, as delete for everyone does; returns how many. */
  expireEvents(now: number): Promise<number>;
  /**
   * Adds up to `limit` stored events, oldest first, to the search index, where a driver indexes
   * after storing rather than in the append; returns how many it looked at (0: none waits).
   * Search finds only indexed messages.
   */
  indexForSearch(limit: number): Promise<number>;
  /** Oldest sequence still stored in `conv` (retention may have removed older ones); null when none. */
  oldestSeq(conv: ConversationId): Promise<number | null>;
  /** Deletes events sent before `cutoff` (retention); returns how many. */
  deleteEventsBefore(cutoff: number): Promise<number>;

  /** Device cursors per conversation (absent: the device has seen nothing of it). */
  cursorsOf(device: DeviceId): Promise<Map<ConversationId, number>>;
  /** Moves device cursors and the owners' delivery watermarks forward; returns the watermarks that moved. */
  saveDelivered(updates: CursorUpdate[]): Promise<Array<{ conv: ConversationId; userId: UserId; delivered: number }>>;
  /**
   * Moves read watermarks forward, in order, in one commit (reading implies having received: the delivered mark
   * follows); returns for each mark the reader's new marks, or null when it did not move or the user is not a member.
   */
  saveReads(marks: ReadonlyArray<ReadMark>): Promise<Array<Pick<Watermarks, "delivered" | "read"> | null>>;
}
