import { Database } from "bun:sqlite";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import type {
  ConversationId,
  CursorUpdate,
  GroupMarks,
  ReadMark,
  Device,
  DeviceId,
  Membership,
  User,
  UserId,
  Watermarks,
  ConversationKind,
  ConversationMarks,
  Group,
  GroupAdds,
  GroupMember,
  Privacy,
  Role,
} from "../../domain/types.ts";
import { groupByConversation, type MemberMarksRow } from "../conversation-marks.ts";
import type { LastSeen } from "../presence-store.ts";
import type { Store } from "../store.ts";
import { sqliteContacts } from "./contacts.ts";
import { sqliteEventLog } from "./event-log.ts";
import { sqliteAttachments } from "./attachments.ts";
import { MIGRATIONS } from "./schema.ts";
import { inWriteTransaction } from "./transaction.ts";
import type { AccountState, UserSummary } from "../account-store.ts";
import { SHOWN_NAME } from "../shown-name.ts";

export const SQLITE_FILE_NAME = "chat.db";

/**
 * The store over one connection to the SQLite file in `dataDir`. The writable
 * one creates the file if needed and brings its schema up to date; a read-only
 * one expects that done, and refuses every write.
 */
export function openSqliteConnection(dataDir: string, access: "read-write" | "read-only"): Store {
  const path = join(dataDir, SQLITE_FILE_NAME);
  if (access === "read-only") {
    const db = new Database(path, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 5000");
    return sqliteStore(db);
  }
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  // WAL lets readers run beside the writer; synchronous=FULL makes every
  // acknowledged commit survive a power cut, and group commit keeps it fast.
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = FULL");
  db.run("PRAGMA busy_timeout = 5000");
  db.run("PRAGMA foreign_keys = ON");
  // Deleted text (delete for everyone, disappearing messages, retention) is overwritten in the
  // file, not left in free pages; the WAL's old copies go with the checkpoint that follows.
  db.run("PRAGMA secure_delete = ON");
  migrate(db, path);
  return withCheckpointAfterDeletes(db, sqliteStore(db));
}

/** Thrown when the data directory was written by a newer release; its message is one sentence for the operator. */
export class NewerSchemaError extends Error {}

function migrate(db: Database, path: string): void {
  const { user_version: applied } = db.query("PRAGMA user_version").get() as { user_version: number };
  if (applied > MIGRATIONS.length) {
    db.close();
    throw new NewerSchemaError(
      `the database ${path} is at schema version ${applied}, newer than this server knows (${MIGRATIONS.length}); run the newer chat-server, or restore a backup made by this release (--data or CHAT_DATA_DIR)`,
    );
  }
  for (let version = applied; version < MIGRATIONS.length; version++) {
    inWriteTransaction(db, () => {
      db.run(MIGRATIONS[version]!);
      db.run(`PRAGMA user_version = ${version + 1}`);
    });
  }
}

/** After deleted text leaves the file, how soon the WAL (which still holds old page images) is checkpointed and truncated. */
const CHECKPOINT_AFTER_DELETE_MS = 1000;

/**
 * Makes the writing connection truncate the WAL shortly after anything deleted text, so no copy
 * of it stays there: a checkpoint copies the pages back into the file, TRUNCATE empties the WAL.
 */
function withCheckpointAfterDeletes(db: Database, store: Store): Store {
  let scheduled: ReturnType<typeof setTimeout> | undefined;
  const checkpointSoon = () => {
    scheduled ??= setTimeout(() => {
      scheduled = undefined;
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    }, CHECKPOINT_AFTER_DELETE_MS);
  };
  return {
    ...store,
    async appendEvents(batch, policy) {
      const results = await store.appendEvents(batch, policy);
      if (batch.some((event, index) => event.kind === "delete" && results[index]?.ok)) checkpointSoon();
      return results;
    },
    async expireEvents(now) {
      const expired = await store.expireEvents(now);
      if (expired > 0) checkpointSoon();
      return expired;
    },
    async deleteEventsBefore(cutoff) {
      const deleted = await store.deleteEventsBefore(cutoff);
      if (deleted > 0) checkpointSoon();
      return deleted;
    },
    async close() {
      clearTimeout(scheduled);
      // After a clean stop chat.db alone holds everything: copy the WAL back into it and empty it, so a
      // person copying the file (or the backup of a stopped server) loses nothing still in chat.db-wal.
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      await store.close();
    },
  };
}

/** The driver over a migrated database; statements are prepared once here and reused. */
function sqliteStore(db: Database): Store {
  /** A cached prepared statement with its row type. */
  const q = <Row = unknown>(sql: string) => db.query<Row, any[]>(sql);

  const insertUser = q<{ id: number }>(
    "INSERT INTO users (name, password_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO NOTHING RETURNING id",
  );
  const useInvite = q<{ used: number }>(
    "UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = ?1 AND uses_left > 0 AND (expires_at IS NULL OR expires_at > ?2) RETURNING 1 AS used",
  );
  const insertInvite = q("INSERT INTO invites (code_hash, uses_left, expires_at, created_at) VALUES (?1, ?2, ?3, ?4)");
  // A deleted account's row is renamed '~<id>', which no valid name matches.
  const selectUserByName = q<User>("SELECT id, name, password_hash AS passwordHash FROM users WHERE name = ?1");
  const selectUserById = q<User>("SELECT id, name, password_hash AS passwordHash FROM users WHERE id = ?1");

  const deviceColumns = "id, user_id AS userId, name, created_at AS createdAt, last_active AS lastActive";
  const insertDevice = q<Device>(
    `INSERT INTO devices (user_id, name, token_hash, created_at, last_active) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING ${deviceColumns}`,
  );
  const countDevices = q<{ count: number }>("SELECT count(*) AS count FROM devices WHERE user_id = ?1");
  const seedDeviceCursors = q(
    `INSERT INTO device_cursors (device_id, conv_id, seq)
     SELECT ?1, conv_id, max(joined_seq, delivered_seq) FROM members WHERE user_id = ?2`,
  );

  const selectDeviceByToken = q<Device>(`SELECT ${deviceColumns} FROM devices WHERE token_hash = ?1`);
  const selectDevicesOf = q<Device>(`SELECT ${deviceColumns} FROM devices WHERE user_id = ?1 ORDER BY id`);
  const deleteDevice = q("DELETE FROM devices WHERE id = ?1 AND user_id = ?2");
  const deleteDeviceCursors = q("DELETE FROM device_cursors WHERE device_id = ?1");
  const selectUserSummaries = q<{ name: string; createdAt: number; lastActive: number | null; devices: number; deactivatedAt: number | null }>(
    `SELECT u.name, u.created_at AS createdAt, max(d.last_active) AS lastActive, count(d.id) AS devices, u.deactivated_at AS deactivatedAt
     FROM users u LEFT JOIN devices d ON d.user_id = u.id WHERE u.deleted_at IS NULL GROUP BY u.id ORDER BY u.name`,
  );
  const updateDeactivated = q<{ id: number }>("UPDATE users SET deactivated_at = ?2 WHERE name = ?1 RETURNING id");
  const updatePasswordHash = q<{ id: number }>("UPDATE users SET password_hash = ?2 WHERE name = ?1 RETURNING id");
  const selectAccountState = q<{ deactivatedAt: number | null; deletedAt: number | null }>(
    "SELECT deactivated_at AS deactivatedAt, deleted_at AS deletedAt FROM users WHERE id = ?1",
  );
  const updateOwnPasswordHash = q("UPDATE users SET password_hash = ?2 WHERE id = ?1");
  const deleteOtherDevices = q<{ id: number }>("DELETE FROM devices WHERE user_id = ?1 AND id != ?2 RETURNING id");
  const deleteOtherCursors = q("DELETE FROM device_cursors WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?1 AND id != ?2)");
  const selectLiveUserByName = q<{ id: number }>("SELECT id FROM users WHERE name = ?1 AND deleted_at IS NULL");
  const selectGroupsOf = q<{ conv: number }>("SELECT m.conv_id AS conv FROM members m JOIN conversations c ON c.id = m.conv_id AND c.kind = 'group' WHERE m.user_id = ?1");
  const deleteHiddenOf = q("DELETE FROM hidden WHERE user_id = ?1");
  // Nobody counts a deleted account as a contact, blocked or inviting, nor does it count anyone.
  const deleteTiesOf = [
    q("DELETE FROM contacts WHERE owner_id = ?1 OR contact_id = ?1"),
    q("DELETE FROM blocks WHERE owner_id = ?1 OR blocked_id = ?1"),
    q("DELETE FROM group_invites WHERE user_id = ?1 OR inviter_id = ?1"),
  ];
  // A group left without an admin gets its longest-standing member (lowest id), as when its last admin leaves.
  const promoteHeir = q(
    `UPDATE members SET role = 'admin' WHERE conv_id = ?1 AND user_id = (SELECT min(user_id) FROM members WHERE conv_id = ?1)
       AND NOT EXISTS (SELECT 1 FROM members WHERE conv_id = ?1 AND role = 'admin')`,
  );
  const markDeleted = q(
    "UPDATE users SET name = '~' || id, password_hash = '', deleted_at = ?2, last_seen = NULL, hide_last_seen = 1 WHERE id = ?1",
  );
  const retireName = q("INSERT INTO retired_names (name, retired_at) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET retired_at = excluded.retired_at");
  const selectRetiredAt = q<{ retiredAt: number }>("SELECT retired_at AS retiredAt FROM retired_names WHERE name = ?1");
  const deleteCursorsOfUser = q("DELETE FROM device_cursors WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?1)");
  const deleteDevicesOfUser = q("DELETE FROM devices WHERE user_id = ?1");
  const selectExistingDevices = q<{ id: number }>("SELECT id FROM devices WHERE id IN (SELECT value FROM json_each(?1))");
  const updateLastActive = q("UPDATE devices SET last_active = ?2 WHERE id = ?1");

  const selectDirect = q<{ id: number }>("SELECT id FROM conversations WHERE direct_key = ?1");
  const insertDirect = q<{ id: number }>(
    "INSERT INTO conversations (kind, direct_key, created_at) VALUES ('direct', ?1, ?2) RETURNING id",
  );
  const insertMember = q(
    "INSERT INTO members (conv_id, user_id, joined_seq) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
  );
  const seedCursorsForMember = q(
    `INSERT INTO device_cursors (device_id, conv_id, seq) SELECT id, ?1, ?3 FROM devices WHERE user_id = ?2
     ON CONFLICT DO NOTHING`,
  );

  /** Adds a member whose devices all start at `joinedSeq`. */
  function addMember(conv: ConversationId, userId: UserId, joinedSeq: number): void {
    insertMember.run(conv, userId, joinedSeq);
    seedCursorsForMember.run(conv, userId, joinedSeq);
  }

  // A query joining tables costs SQLite a few microseconds even when it finds nothing (measured 3.5-20 us
  // here, against 0.2 us for one index probe): users in no conversation, every new user, skip the joins.
  const selectInAnyConversation = q<{ one: number }>("SELECT 1 AS one FROM members WHERE user_id = ?1 LIMIT 1");
  const selectMemberships = q<Membership>(
    `SELECT c.id AS conv, c.kind, c.last_seq AS lastSeq, m.joined_seq AS joinedSeq,
       CASE c.kind WHEN 'group' THEN c.name ELSE coalesce(
         (SELECT ${SHOWN_NAME} FROM members o JOIN users u ON u.id = o.user_id WHERE o.conv_id = c.id AND o.user_id != ?1),
         (SELECT name FROM users WHERE id = ?1)) END AS title
     FROM members m JOIN conversations c ON c.id = m.conv_id WHERE m.user_id = ?1 AND (?2 IS NULL OR m.conv_id = ?2)`,
  );
  const selectConversationMarks = q<Omit<MemberMarksRow, "sharesReadReceipts"> & { sharesReadReceipts: number }>(
    `SELECT c.id AS conv, c.kind, c.name, u.id AS userId, ${SHOWN_NAME} AS memberName, m.delivered_seq AS delivered,
       m.read_seq AS read, u.read_receipts AS sharesReadReceipts
     FROM members mine JOIN conversations c ON c.id = mine.conv_id AND c.last_seq > 0
       JOIN members m ON m.conv_id = c.id JOIN users u ON u.id = m.user_id
     WHERE mine.user_id = ?1 AND (?2 IS NULL OR c.kind = ?2) ORDER BY c.id, u.name`,
  );
  // A group's one receipt: the lowest marks over all its members.
  const GROUP_MARKS = "c.id AS conv, c.name, min(m.delivered_seq) AS delivered, min(m.read_seq) AS read";
  const selectGroupMarksOf = q<GroupMarks>(
    `SELECT ${GROUP_MARKS}
     FROM members mine JOIN conversations c ON c.id = mine.conv_id AND c.kind = 'group' AND c.last_seq > 0
       JOIN members m ON m.conv_id = c.id
     WHERE mine.user_id = ?1 GROUP BY c.id ORDER BY c.id`,
  );
  const selectGroupMarks = q<GroupMarks>(
    `SELECT ${GROUP_MARKS}
     FROM conversations c JOIN members m ON m.conv_id = c.id WHERE c.id = ?1 AND c.kind = 'group' GROUP BY c.id`,
  );
  const selectMembers = q<Watermarks>(
    `SELECT m.user_id AS userId, ${SHOWN_NAME} AS name, m.delivered_seq AS delivered, m.read_seq AS read
     FROM members m JOIN users u ON u.id = m.user_id WHERE m.conv_id = ?1 ORDER BY u.name`,
  );

  const selectCursors = q<{ conv: number; seq: number }>(
    "SELECT conv_id AS conv, seq FROM device_cursors WHERE device_id = ?1",
  );
  // A device may only move its cursor within conversations its user belongs to, and not past the end;
  // an ack from a revoked device, or one claiming another user's device, counts for nothing.
  const upsertCursor = q(
    `INSERT INTO device_cursors (device_id, conv_id, seq)
     SELECT ?1, ?2, min(?4, c.last_seq) FROM conversations c JOIN members m ON m.conv_id = c.id AND m.user_id = ?3
       JOIN devices d ON d.id = ?1 AND d.user_id = ?3
     WHERE c.id = ?2
     ON CONFLICT (device_id, conv_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > seq`,
  );
  const raiseDelivered = q<{ delivered: number }>(
    `UPDATE members SET delivered_seq = min(?3, (SELECT last_seq FROM conversations WHERE id = ?1))
     WHERE conv_id = ?1 AND user_id = ?2 AND delivered_seq < min(?3, (SELECT last_seq FROM conversations WHERE id = ?1))
       AND EXISTS (SELECT 1 FROM devices WHERE id = ?4 AND user_id = ?2)
     RETURNING delivered_seq AS delivered`,
  );
  const raiseRead = q<{ read: number; delivered: number }>(
    `UPDATE members SET read_seq = min(?3, (SELECT last_seq FROM conversations WHERE id = ?1)),
       delivered_seq = max(delivered_seq, min(?3, (SELECT last_seq FROM conversations WHERE id = ?1)))
     WHERE conv_id = ?1 AND user_id = ?2 AND read_seq < min(?3, (SELECT last_seq FROM conversations WHERE id = ?1))
     RETURNING read_seq AS read, delivered_seq AS delivered`,
  );

  const selectPrivacy = q<{ hideLastSeen: number; readReceipts: number; groupAdds: GroupAdds }>(
    "SELECT hide_last_seen AS hideLastSeen, read_receipts AS readReceipts, group_adds AS groupAdds FROM users WHERE id = ?1",
  );
  const updatePrivacy = q(
    `UPDATE users SET hide_last_seen = coalesce(?2, hide_last_seen), read_receipts = coalesce(?3, read_receipts),
       group_adds = coalesce(?4, group_adds) WHERE id = ?1`,
  );
  const updateLastSeen = q("UPDATE users SET last_seen = ?2 WHERE id = ?1");
  const selectLastSeen = q<{ lastSeen: number | null }>("SELECT last_seen AS lastSeen FROM users WHERE id = ?1");

  const insertGroup = q<{ id: number }>(
    "INSERT INTO conversations (kind, name, created_at) VALUES ('group', ?1, ?2) ON CONFLICT DO NOTHING RETURNING id",
  );
  const selectGroup = q<Group>("SELECT id AS conv, name FROM conversations WHERE kind = 'group' AND name = ?1");
  const selectGroupMembers = q<GroupMember>(
    `SELECT m.user_id AS userId, u.name, m.role FROM members m JOIN users u ON u.id = m.user_id
     WHERE m.conv_id = ?1 ORDER BY m.role, u.name`,
  );
  const selectConversation = q<{ kind: ConversationKind; name: string | null }>("SELECT kind, name FROM conversations WHERE id = ?1");
  const selectLastSeq = q<{ lastSeq: number }>("SELECT last_seq AS lastSeq FROM conversations WHERE id = ?1");
  const updateRole = q("UPDATE members SET role = ?3 WHERE conv_id = ?1 AND user_id = ?2");
  const deleteMember = q("DELETE FROM members WHERE conv_id = ?1 AND user_id = ?2");
  const deleteMemberCursors = q(
    "DELETE FROM device_cursors WHERE conv_id = ?1 AND device_id IN (SELECT id FROM devices WHERE user_id = ?2)",
  );
  const updateGroupName = q("UPDATE conversations SET name = ?2 WHERE id = ?1 AND kind = 'group'");

  /** Adds a member who sees what is appended from now on; false when already one. */
  function joinGroup(conv: ConversationId, userId: UserId, role: Role): boolean {
    const { lastSeq } = selectLastSeq.get(conv)!;
    if (insertMember.run(conv, userId, lastSeq).changes === 0) return false;
    updateRole.run(conv, userId, role);
    seedCursorsForMember.run(conv, userId, lastSeq);
    return true;
  }

  return {
    ...sqliteEventLog(db),
    ...sqliteContacts(db),
    ...sqliteAttachments(db),

    async createUser(name: string, passwordHash: string, now: number): Promise<User | null> {
      const row = insertUser.get(name, passwordHash, now);
      return row ? { id: row.id, name, passwordHash } : null;
    },

    async createInvitedUser(name: string, passwordHash: string, now: number, inviteCodeHash: string): Promise<User | null | "invite_invalid"> {
      const nameTaken = new Error("name taken");
      try {
        return inWriteTransaction(db, () => {
          if (!useInvite.get(inviteCodeHash, now)) return "invite_invalid" as const;
          const row = insertUser.get(name, passwordHash, now);
          // Rolls the invite's use back with the transaction.
          if (!row) throw nameTaken;
          return { id: row.id, name, passwordHash };
        });
      } catch (error) {
        if (error === nameTaken) return null;
        throw error;
      }
    },

    async createInvite(codeHash: string, uses: number, expiresAt: number | null, now: number): Promise<void> {
      insertInvite.run(codeHash, uses, expiresAt, now);
    },

    async userByName(name: string): Promise<User | null> {
      return selectUserByName.get(name);
    },

    async userById(id: UserId): Promise<User | null> {
      return selectUserById.get(id);
    },

    async createDevice(userId: UserId, name: string, tokenHash: string, now: number, maxDevices: number): Promise<Device | null> {
      return inWriteTransaction(db, () => {
        if (countDevices.get(userId)!.count >= maxDevices) return null;
        const device = insertDevice.get(userId, name, tokenHash, now)!;
        seedDeviceCursors.run(device.id, userId);
        return device;
      });
    },

    async deviceByTokenHash(tokenHash: string): Promise<Device | null> {
      return selectDeviceByToken.get(tokenHash);
    },

    async devicesOf(userId: UserId): Promise<Device[]> {
      return selectDevicesOf.all(userId);
    },

    async revokeDevice(userId: UserId, deviceId: DeviceId): Promise<boolean> {
      return inWriteTransaction(db, () => {
        const { changes } = deleteDevice.run(deviceId, userId);
        if (changes > 0) deleteDeviceCursors.run(deviceId);
        return changes > 0;
      });
    },

    async touchDevices(deviceIds: DeviceId[], now: number): Promise<void> {
      inWriteTransaction(db, () => {
        for (const id of deviceIds) updateLastActive.run(id, now);
      });
    },

    async listUsers(): Promise<UserSummary[]> {
      return selectUserSummaries.all().map(({ deactivatedAt, ...row }) => ({ ...row, deactivated: deactivatedAt !== null }));
    },

    async setDeactivated(name: string, deactivatedAt: number | null): Promise<UserId | null> {
      return inWriteTransaction(db, () => {
        const row = updateDeactivated.get(name, deactivatedAt);
        if (!row) return null;
        if (deactivatedAt !== null) {
          deleteCursorsOfUser.run(row.id);
          deleteDevicesOfUser.run(row.id);
        }
        return row.id;
      });
    },

    async accountState(userId: UserId): Promise<AccountState> {
      const row = selectAccountState.get(userId);
      if (!row || row.deletedAt !== null) return "deleted";
      return row.deactivatedAt === null ? "active" : "deactivated";
    },

    async changePassword(userId: UserId, passwordHash: string, keep: DeviceId | "all"): Promise<DeviceId[]> {
      return inWriteTransaction(db, () => {
        updateOwnPasswordHash.run(userId, passwordHash);
        if (keep === "all") return [];
        deleteOtherCursors.run(userId, keep);
        return deleteOtherDevices.all(userId, keep).map((row) => row.id);
      });
    },

    async deleteAccount(name: string, now: number): Promise<UserId | null> {
      return inWriteTransaction(db, () => {
        const user = selectLiveUserByName.get(name);
        if (!user) return null;
        deleteCursorsOfUser.run(user.id);
        deleteDevicesOfUser.run(user.id);
        deleteHiddenOf.run(user.id);
        for (const statement of deleteTiesOf) statement.run(user.id);
        for (const { conv } of selectGroupsOf.all(user.id)) {
          deleteMember.run(conv, user.id);
          promoteHeir.run(conv);
        }
        markDeleted.run(user.id, now);
        retireName.run(name, now);
        return user.id;
      });
    },

    async nameRetiredAt(name: string): Promise<number | null> {
      return selectRetiredAt.get(name)?.retiredAt ?? null;
    },

    async setPasswordHash(name: string, passwordHash: string): Promise<boolean> {
      return inWriteTransaction(db, () => {
        const row = updatePasswordHash.get(name, passwordHash);
        if (!row) return false;
        deleteCursorsOfUser.run(row.id);
        deleteDevicesOfUser.run(row.id);
        return true;
      });
    },

    async existingDevices(deviceIds: DeviceId[]): Promise<DeviceId[]> {
      if (deviceIds.length === 0) return [];
      return selectExistingDevices.all(JSON.stringify(deviceIds)).map((row) => row.id);
    },

    async findDirectConversation(a: UserId, b: UserId): Promise<ConversationId | null> {
      return selectDirect.get(directKey(a, b))?.id ?? null;
    },

    async directConversation(a: UserId, b: UserId, now: number): Promise<ConversationId> {
      const key = directKey(a, b);
      const existing = selectDirect.get(key);
      if (existing) return existing.id;
      return inWriteTransaction(db, () => {
        const { id } = selectDirect.get(key) ?? insertDirect.get(key, now)!;
        for (const user of new Set([a, b])) addMember(id, user, 0);
        return id;
      });
    },

    async membershipsOf(userId: UserId): Promise<Membership[]> {
      if (!selectInAnyConversation.get(userId)) return [];
      return selectMemberships.all(userId, null);
    },

    async membership(userId: UserId, conv: ConversationId): Promise<Membership | null> {
      return selectMemberships.get(userId, conv);
    },

    async membersOf(conv: ConversationId): Promise<Watermarks[]> {
      return selectMembers.all(conv);
    },

    async conversationMarksOf(userId: UserId, kind?: ConversationKind): Promise<ConversationMarks[]> {
      if (!selectInAnyConversation.get(userId)) return [];
      return groupByConversation(selectConversationMarks.all(userId, kind ?? null).map((row) => ({ ...row, sharesReadReceipts: row.sharesReadReceipts === 1 })));
    },

    async groupMarksOf(userId: UserId): Promise<GroupMarks[]> {
      return selectGroupMarksOf.all(userId);
    },

    async groupMarks(conv: ConversationId): Promise<GroupMarks | null> {
      return selectGroupMarks.get(conv);
    },

    async cursorsOf(device: DeviceId): Promise<Map<ConversationId, number>> {
      return new Map(selectCursors.all(device).map((row) => [row.conv, row.seq]));
    },

    async saveDelivered(updates: CursorUpdate[]): Promise<Array<{ conv: ConversationId; userId: UserId; delivered: number }>> {
      return inWriteTransaction(db, () => {
        const moved = new Map<string, { conv: ConversationId; userId: UserId; delivered: number }>();
        for (const update of updates) {
          upsertCursor.run(update.device, update.conv, update.userId, update.seq);
          const raised = raiseDelivered.get(update.conv, update.userId, update.seq, update.device);
          if (raised) moved.set(`${update.conv}:${update.userId}`, { conv: update.conv, userId: update.userId, delivered: raised.delivered });
        }
        return [...moved.values()];
      });
    },

    async saveReads(marks: ReadonlyArray<ReadMark>): Promise<Array<Pick<Watermarks, "delivered" | "read"> | null>> {
      return inWriteTransaction(db, () => marks.map(({ userId, conv, seq }) => raiseRead.get(conv, userId, seq)));
    },

    async conversationInfo(conv: ConversationId): Promise<{ kind: ConversationKind; name: string | null } | null> {
      return selectConversation.get(conv);
    },

    async privacyOf(userId: UserId): Promise<Privacy> {
      const row = selectPrivacy.get(userId)!;
      return { hideLastSeen: row.hideLastSeen === 1, readReceipts: row.readReceipts === 1, groupAdds: row.groupAdds };
    },

    async setPrivacy(userId: UserId, update: Partial<Privacy>): Promise<Privacy> {
      const asFlag = (value: boolean | undefined) => (value === undefined ? null : value ? 1 : 0);
      updatePrivacy.run(userId, asFlag(update.hideLastSeen), asFlag(update.readReceipts), update.groupAdds ?? null);
      return this.privacyOf(userId);
    },

    async setLastSeen(seen: ReadonlyArray<LastSeen>): Promise<void> {
      inWriteTransaction(db, () => {
        for (const { userId, at } of seen) updateLastSeen.run(userId, at);
      });
    },

    async lastSeenOf(userId: UserId): Promise<number | null> {
      return selectLastSeen.get(userId)?.lastSeen ?? null;
    },

    async createGroup(name: string, creator: UserId, members: UserId[], now: number): Promise<Group | null> {
      return inWriteTransaction(db, () => {
        const row = insertGroup.get(name, now);
        if (!row) return null;
        joinGroup(row.id, creator, "admin");
        for (const member of members) joinGroup(row.id, member, "member");
        return { conv: row.id, name };
      });
    },

    async groupByName(name: string): Promise<Group | null> {
      return selectGroup.get(name);
    },

    async groupMembers(conv: ConversationId): Promise<GroupMember[]> {
      return selectGroupMembers.all(conv);
    },

    async addGroupMember(conv: ConversationId, userId: UserId): Promise<boolean> {
      return inWriteTransaction(db, () => joinGroup(conv, userId, "member"));
    },

    async removeGroupMember(conv: ConversationId, userId: UserId): Promise<boolean> {
      return inWriteTransaction(db, () => {
        deleteMemberCursors.run(conv, userId);
        return deleteMember.run(conv, userId).changes > 0;
      });
    },

    async setGroupRole(conv: ConversationId, userId: UserId, role: Role): Promise<boolean> {
      return updateRole.run(conv, userId, role).changes > 0;
    },

    async renameGroup(conv: ConversationId, name: string): Promise<boolean> {
      return inWriteTransaction(db, () => !selectGroup.get(name) && updateGroupName.run(conv, name).changes > 0);
    },

    async ping(): Promise<void> {
      db.query("SELECT 1").get();
    },

    async close(): Promise<void> {
      db.close();
    },
  } satisfies Store;
}

/** A direct conversation's key: its two users, the lower id first. */
function directKey(a: UserId, b: UserId): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
