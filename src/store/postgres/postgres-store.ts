import { SQL } from "bun";
import type { AppendResult, EventPolicy, NewEvent, Reaction, StoredEvent } from "../../domain/events.ts";
import type {
  Contact,
  ConversationId,
  ConversationKind,
  ConversationMarks,
  CursorUpdate,
  GroupMarks,
  ReadMark,
  Device,
  DeviceId,
  Group,
  GroupInvite,
  GroupMember,
  Membership,
  Privacy,
  Role,
  User,
  UserId,
  Watermarks,
} from "../../domain/types.ts";
import type { ConversationSummaryRow } from "../conversation-log.ts";
import type { LastSeen } from "../presence-store.ts";
import { groupByConversation } from "../conversation-marks.ts";
import type { Store } from "../store.ts";
import type { AccountState, UserSummary } from "../account-store.ts";
import type { Upload } from "../attachment-store.ts";
import { SHOWN_NAME, shownName } from "../shown-name.ts";
import { appendEvents } from "./append-events.ts";
import * as contacts from "./contacts.ts";
import * as events from "./event-log.ts";
import * as attachments from "./attachments.ts";
import * as groups from "./groups.ts";
import * as presence from "./presence.ts";
import { migrate } from "./migrations.ts";
import { retryOnConflict } from "./retry.ts";
import { storableText } from "./storable-text.ts";

export interface PostgresStoreOptions {
  /** Schema holding the tables, created if missing (default `public`); lets tests and deployments share a database. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/**
 * How long a query waits for a new connection. Short, because while PostgreSQL is
 * down a send should fail fast with a retryable error rather than hang for Bun's 30 s.
 */
const CONNECT_TIMEOUT_SECONDS = 5;

/**
 * Opens the PostgreSQL store and applies pending migrations. Queries reject while
 * PostgreSQL is unreachable; the pool opens fresh connections once it is back.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const schema = options.schema ?? "public";
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`"${schema}" is not a usable schema name: use lower-case letters, digits and '_' (at most 63)`);
  }
  const sql = new SQL(url, {
    connection: {
      search_path: schema,
      // Every statement here is a fixed shape of key lookups. Planning the append
      // afresh for each call (PostgreSQL's default for its first runs, and whenever a
      // custom plan looks cheaper) cost more than executing it for small batches.
      plan_cache_mode: "force_generic_plan",
    },
    connectionTimeout: CONNECT_TIMEOUT_SECONDS,
  });
  try {
    await migrate(sql, schema);
  } catch (error) {
    await sql.close({ timeout: 0 });
    throw error;
  }
  return new PostgresStore(sql);
}

// int8 columns arrive as strings (Bun keeps them exact); ids, sequences and times all fit a double.
type Int8 = string;

interface UserRow {
  id: Int8;
  name: string;
  password_hash: string;
}
interface DeviceRow {
  id: Int8;
  user_id: Int8;
  name: string;
  created_at: Int8;
  last_active: Int8;
}

const toUser = (row: UserRow): User => ({ id: Number(row.id), name: row.name, passwordHash: row.password_hash });
const toDevice = (row: DeviceRow): Device => ({
  id: Number(row.id),
  userId: Number(row.user_id),
  name: row.name,
  createdAt: Number(row.created_at),
  lastActive: Number(row.last_active),
});

class PostgresStore implements Store {
  /** The append running now: the next waits for it, so overlapping batches commit in call order. */
  private appending: Promise<unknown> = Promise.resolve();

  constructor(private readonly sql: SQL) {}

  async createUser(name: string, passwordHash: string, now: number): Promise<User | null> {
    const [row] = await this.sql<UserRow[]>`
      INSERT INTO users (name, password_hash, created_at) VALUES (${name.toLowerCase()}, ${passwordHash}, ${now})
      ON CONFLICT (name) DO NOTHING
      RETURNING id, name, password_hash`;
    return row ? toUser(row) : null;
  }

  async createInvitedUser(name: string, passwordHash: string, now: number, inviteCodeHash: string): Promise<User | null | "invite_invalid"> {
    const nameTaken = new Error("name taken");
    try {
      return await this.sql.begin(async (tx) => {
        const [used] = await tx`
          UPDATE invites SET uses_left = uses_left - 1
          WHERE code_hash = ${inviteCodeHash} AND uses_left > 0 AND (expires_at IS NULL OR expires_at > ${now})
          RETURNING 1`;
        if (!used) return "invite_invalid" as const;
        const [row] = await tx<UserRow[]>`
          INSERT INTO users (name, password_hash, created_at) VALUES (${name.toLowerCase()}, ${passwordHash}, ${now})
          ON CONFLICT (name) DO NOTHING
          RETURNING id, name, password_hash`;
        // Rolls the invite's use back with the transaction.
        if (!row) throw nameTaken;
        return toUser(row);
      });
    } catch (error) {
      if (error === nameTaken) return null;
      throw error;
    }
  }

  async createInvite(codeHash: string, uses: number, expiresAt: number | null, now: number): Promise<void> {
    await this.sql`INSERT INTO invites (code_hash, uses_left, expires_at, created_at) VALUES (${codeHash}, ${uses}, ${expiresAt}, ${now})`;
  }

  async userByName(name: string): Promise<User | null> {
    const [row] = await this.sql<UserRow[]>`SELECT id, name, password_hash FROM users WHERE name = ${name.toLowerCase()}`;
    return row ? toUser(row) : null;
  }

  async userById(id: UserId): Promise<User | null> {
    const [row] = await this.sql<UserRow[]>`SELECT id, name, password_hash FROM users WHERE id = ${id}`;
    return row ? toUser(row) : null;
  }

  async createDevice(userId: UserId, name: string, tokenHash: string, now: number, maxDevices: number): Promise<Device | null> {
    return this.sql.begin(async (tx) => {
      // The user's row lock makes logins of one user, on any server, count and insert one at a time.
      await tx`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`;
      const [devices] = await tx<{ count: number }[]>`SELECT count(*)::int AS count FROM devices WHERE user_id = ${userId}`;
      if (devices!.count >= maxDevices) return null;
      const [row] = await tx<DeviceRow[]>`
        WITH device AS (
          INSERT INTO devices (user_id, name, token_hash, created_at, last_active)
          VALUES (${userId}, ${storableText(name)}, ${tokenHash}, ${now}, ${now})
          RETURNING id, user_id, name, created_at, last_active
        ), cursors AS (
          INSERT INTO device_cursors (device_id, conv_id, seq)
          SELECT device.id, m.conv_id, GREATEST(m.delivered, m.joined_seq)
          FROM device JOIN members m ON m.user_id = device.user_id
        )
        SELECT * FROM device`;
      return toDevice(row!);
    });
  }

  async deviceByTokenHash(tokenHash: string): Promise<Device | null> {
    const [row] = await this.sql<DeviceRow[]>`
      SELECT id, user_id, name, created_at, last_active FROM devices WHERE token_hash = ${tokenHash}`;
    return row ? toDevice(row) : null;
  }

  async devicesOf(userId: UserId): Promise<Device[]> {
    const rows = await this.sql<DeviceRow[]>`
      SELECT id, user_id, name, created_at, last_active FROM devices WHERE user_id = ${userId} ORDER BY id`;
    return rows.map(toDevice);
  }

  async revokeDevice(userId: UserId, deviceId: DeviceId): Promise<boolean> {
    const rows = await this.sql`DELETE FROM devices WHERE id = ${deviceId} AND user_id = ${userId} RETURNING id`;
    return rows.length > 0;
  }

  async listUsers(): Promise<UserSummary[]> {
    const rows = await this.sql<{ name: string; created_at: string; last_active: string | null; devices: number; deactivated_at: string | null }[]>`
      SELECT u.name, u.created_at, max(d.last_active) AS last_active, count(d.id)::int AS devices, u.deactivated_at
      FROM users u LEFT JOIN devices d ON d.user_id = u.id WHERE u.deleted_at IS NULL GROUP BY u.id ORDER BY u.name`;
    return rows.map((row) => ({
      name: row.name,
      createdAt: Number(row.created_at),
      lastActive: row.last_active === null ? null : Number(row.last_active),
      devices: row.devices,
      deactivated: row.deactivated_at !== null,
    }));
  }

  async setDeactivated(name: string, deactivatedAt: number | null): Promise<UserId | null> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<{ id: string }[]>`UPDATE users SET deactivated_at = ${deactivatedAt} WHERE name = ${name.toLowerCase()} RETURNING id`;
      if (!row) return null;
      if (deactivatedAt !== null) await tx`DELETE FROM devices WHERE user_id = ${row.id}`;
      return Number(row.id);
    });
  }

  async accountState(userId: UserId): Promise<AccountState> {
    const [row] = await this.sql<{ deactivated_at: string | null; deleted_at: string | null }[]>`
      SELECT deactivated_at, deleted_at FROM users WHERE id = ${userId}`;
    if (!row || row.deleted_at !== null) return "deleted";
    return row.deactivated_at === null ? "active" : "deactivated";
  }

  async changePassword(userId: UserId, passwordHash: string, keep: DeviceId | "all"): Promise<DeviceId[]> {
    return this.sql.begin(async (tx) => {
      await tx`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${userId}`;
      if (keep === "all") return [];
      const gone = await tx<{ id: string }[]>`DELETE FROM devices WHERE user_id = ${userId} AND id <> ${keep} RETURNING id`;
      return gone.map((row) => Number(row.id));
    });
  }

  async deleteAccount(name: string, now: number): Promise<UserId | null> {
    return this.sql.begin(async (tx) => {
      // The row lock orders this after any login of the user in flight (createDevice takes it too).
      const [user] = await tx<{ id: string }[]>`SELECT id FROM users WHERE name = ${name.toLowerCase()} AND deleted_at IS NULL FOR UPDATE`;
      if (!user) return null;
      await tx`DELETE FROM devices WHERE user_id = ${user.id}`;
      await tx`DELETE FROM hidden WHERE user_id = ${user.id}`;
      // Nobody counts a deleted account as a contact, blocked or inviting, nor does it count anyone.
      await tx`DELETE FROM contacts WHERE owner_id = ${user.id} OR contact_id = ${user.id}`;
      await tx`DELETE FROM blocks WHERE owner_id = ${user.id} OR blocked_id = ${user.id}`;
      await tx`DELETE FROM group_invites WHERE user_id = ${user.id} OR inviter_id = ${user.id}`;
      const left = await tx<{ conv_id: string }[]>`
        DELETE FROM members m USING conversations c
        WHERE m.user_id = ${user.id} AND c.id = m.conv_id AND c.kind = 'group'
        RETURNING m.conv_id`;
      // A group left without an admin gets its longest-standing member (lowest id), as when its last admin leaves.
      for (const { conv_id } of left) {
        await tx`
          UPDATE members SET role = 'admin'
          WHERE conv_id = ${conv_id} AND user_id = (SELECT min(user_id) FROM members WHERE conv_id = ${conv_id})
            AND NOT EXISTS (SELECT 1 FROM members WHERE conv_id = ${conv_id} AND role = 'admin')`;
      }
      await tx`
        UPDATE users SET name = '~' || id, password_hash = '', deleted_at = ${now}, last_seen = NULL, hide_last_seen = true
        WHERE id = ${user.id}`;
      await tx`
        INSERT INTO retired_names (name, retired_at) VALUES (${name.toLowerCase()}, ${now})
        ON CONFLICT (name) DO UPDATE SET retired_at = excluded.retired_at`;
      return Number(user.id);
    });
  }

  async nameRetiredAt(name: string): Promise<number | null> {
    const [row] = await this.sql<{ retired_at: string }[]>`SELECT retired_at FROM retired_names WHERE name = ${name.toLowerCase()}`;
    return row ? Number(row.retired_at) : null;
  }

  async setPasswordHash(name: string, passwordHash: string): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<{ id: string }[]>`UPDATE users SET password_hash = ${passwordHash} WHERE name = ${name.toLowerCase()} RETURNING id`;
      if (!row) return false;
      await tx`DELETE FROM devices WHERE user_id = ${row.id}`;
      return true;
    });
  }

  async existingDevices(deviceIds: DeviceId[]): Promise<DeviceId[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.sql<{ id: string }[]>`SELECT id FROM devices WHERE id = ANY(${deviceIds}::bigint[])`;
    return rows.map((row) => Number(row.id));
  }

  async touchDevices(deviceIds: DeviceId[], now: number): Promise<void> {
    if (deviceIds.length === 0) return;
    await retryOnConflict(
      () => this.sql`
        UPDATE devices SET last_active = GREATEST(last_active, ${now})
        WHERE id = ANY(${deviceIds}::bigint[])`,
    );
  }

  privacyOf(userId: UserId): Promise<Privacy> {
    return presence.privacyOf(this.sql, userId);
  }

  setPrivacy(userId: UserId, update: Partial<Privacy>): Promise<Privacy> {
    return presence.setPrivacy(this.sql, userId, update);
  }

  async setLastSeen(seen: ReadonlyArray<LastSeen>): Promise<void> {
    // Two servers' batches may touch the same users in different orders, as touchDevices' may.
    await retryOnConflict(() => presence.setLastSeen(this.sql, seen));
  }

  lastSeenOf(userId: UserId): Promise<number | null> {
    return presence.lastSeenOf(this.sql, userId);
  }

  contactsOf(userId: UserId): Promise<Contact[]> {
    return contacts.contactsOf(this.sql, userId);
  }

  addContact(owner: UserId, other: UserId, now: number): Promise<{ added: boolean; mutual: boolean }> {
    return contacts.addContact(this.sql, owner, other, now);
  }

  removeContact(owner: UserId, other: UserId): Promise<boolean> {
    return contacts.removeContact(this.sql, owner, other);
  }

  countsAsContact(owner: UserId, other: UserId): Promise<boolean> {
    return contacts.countsAsContact(this.sql, owner, other);
  }

  areContacts(a: UserId, b: UserId): Promise<boolean> {
    return contacts.areContacts(this.sql, a, b);
  }

  contactListOf(owner: UserId): Promise<Array<{ name: string; mutual: boolean }>> {
    return contacts.contactListOf(this.sql, owner);
  }

  block(owner: UserId, other: UserId, now: number): Promise<boolean> {
    return contacts.block(this.sql, owner, other, now);
  }

  unblock(owner: UserId, other: UserId): Promise<boolean> {
    return contacts.unblock(this.sql, owner, other);
  }

  hasBlocked(owner: UserId, other: UserId): Promise<boolean> {
    return contacts.hasBlocked(this.sql, owner, other);
  }

  blockedBy(owner: UserId): Promise<string[]> {
    return contacts.blockedBy(this.sql, owner);
  }

  inviteToGroup(conv: ConversationId, userId: UserId, inviter: UserId, now: number): Promise<boolean> {
    return contacts.inviteToGroup(this.sql, conv, userId, inviter, now);
  }

  groupInvitesOf(userId: UserId): Promise<GroupInvite[]> {
    return contacts.groupInvitesOf(this.sql, userId);
  }

  takeGroupInvite(conv: ConversationId, userId: UserId): Promise<UserId | null> {
    return contacts.takeGroupInvite(this.sql, conv, userId);
  }

  async findDirectConversation(a: UserId, b: UserId): Promise<ConversationId | null> {
    const [low, high] = a <= b ? [a, b] : [b, a];
    const [existing] = await this.sql<{ id: Int8 }[]>`
      SELECT id FROM conversations WHERE direct_low = ${low} AND direct_high = ${high}`;
    return existing ? Number(existing.id) : null;
  }

  async directConversation(a: UserId, b: UserId, now: number): Promise<ConversationId> {
    const [low, high] = a <= b ? [a, b] : [b, a];
    const existing = await this.findDirectConversation(a, b);
    if (existing !== null) return existing;
    // First use. Another server may create it at the same moment: DO UPDATE (not DO NOTHING)
    // returns the row either way, and members and device cursors are added by whoever got there first.
    const [created] = await this.sql<{ id: Int8 }[]>`
      WITH conv AS (
        INSERT INTO conversations (kind, direct_low, direct_high, created_at)
        VALUES ('direct', ${low}, ${high}, ${now})
        ON CONFLICT (direct_low, direct_high) DO UPDATE SET kind = EXCLUDED.kind
        RETURNING id
      ), joined AS (
        INSERT INTO members (conv_id, user_id)
        SELECT conv.id, member FROM conv, unnest(ARRAY[${low}, ${high}]::bigint[]) AS member
        ON CONFLICT DO NOTHING
      ), cursors AS (
        INSERT INTO device_cursors (device_id, conv_id, seq)
        SELECT d.id, conv.id, 0 FROM conv JOIN devices d ON d.user_id IN (${low}, ${high})
        ON CONFLICT DO NOTHING
      )
      SELECT id FROM conv`;
    return Number(created!.id);
  }

  membershipsOf(userId: UserId): Promise<Membership[]> {
    return this.memberships(userId, null);
  }

  async membership(userId: UserId, conv: ConversationId): Promise<Membership | null> {
    return (await this.memberships(userId, conv))[0] ?? null;
  }

  /** The user's memberships, or just the one of `conv`. */
  private async memberships(userId: UserId, conv: ConversationId | null): Promise<Membership[]> {
    const rows = await this.sql<{ conv_id: Int8; kind: ConversationKind; title: string; last_seq: Int8; joined_seq: Int8 }[]>`
      SELECT c.id AS conv_id, c.kind, c.last_seq, m.joined_seq,
             CASE c.kind WHEN 'direct' THEN ${this.sql.unsafe(shownName("other"))} ELSE c.name END AS title
      FROM members m
      JOIN conversations c ON c.id = m.conv_id
      LEFT JOIN users other
        ON other.id = CASE WHEN c.direct_low = m.user_id THEN c.direct_high ELSE c.direct_low END
      WHERE m.user_id = ${userId} AND (${conv}::bigint IS NULL OR m.conv_id = ${conv}::bigint)
      ORDER BY c.id`;
    return rows.map((row) => ({
      conv: Number(row.conv_id),
      kind: row.kind,
      title: row.title,
      lastSeq: Number(row.last_seq),
      joinedSeq: Number(row.joined_seq),
    }));
  }

  async conversationInfo(conv: ConversationId): Promise<{ kind: ConversationKind; name: string | null } | null> {
    const [row] = await this.sql<{ kind: ConversationKind; name: string | null }[]>`
      SELECT kind, name FROM conversations WHERE id = ${conv}`;
    return row ? { kind: row.kind, name: row.name } : null;
  }

  async groupMarksOf(userId: UserId): Promise<GroupMarks[]> {
    const rows = await this.sql<GroupMarksRow[]>`
      SELECT ${this.sql.unsafe(GROUP_MARKS)}
      FROM members mine JOIN conversations c ON c.id = mine.conv_id AND c.kind = 'group' AND c.last_seq > 0
        JOIN members m ON m.conv_id = c.id
      WHERE mine.user_id = ${userId} GROUP BY c.id ORDER BY c.id`;
    return rows.map(toGroupMarks);
  }

  async groupMarks(conv: ConversationId): Promise<GroupMarks | null> {
    const [row] = await this.sql<GroupMarksRow[]>`
      SELECT ${this.sql.unsafe(GROUP_MARKS)}
      FROM conversations c JOIN members m ON m.conv_id = c.id WHERE c.id = ${conv} AND c.kind = 'group' GROUP BY c.id`;
    return row ? toGroupMarks(row) : null;
  }

  async conversationMarksOf(userId: UserId, kind?: ConversationKind): Promise<ConversationMarks[]> {
    const rows = await this.sql<{ conv_id: Int8; kind: ConversationKind; name: string | null; user_id: Int8; member_name: string; delivered: Int8; read: Int8; read_receipts: boolean }[]>`
      SELECT c.id AS conv_id, c.kind, c.name, u.id AS user_id, ${this.sql.unsafe(SHOWN_NAME)} AS member_name, m.delivered, m.read, u.read_receipts
      FROM members mine JOIN conversations c ON c.id = mine.conv_id AND c.last_seq > 0
        JOIN members m ON m.conv_id = c.id JOIN users u ON u.id = m.user_id
      WHERE mine.user_id = ${userId} AND (${kind ?? null}::text IS NULL OR c.kind = ${kind ?? null})
      ORDER BY c.id, u.name COLLATE "C"`;
    return groupByConversation(
      rows.map((row) => ({
        conv: Number(row.conv_id),
        kind: row.kind,
        name: row.name,
        userId: Number(row.user_id),
        memberName: row.member_name,
        delivered: Number(row.delivered),
        read: Number(row.read),
        sharesReadReceipts: row.read_receipts,
      })),
    );
  }

  async membersOf(conv: ConversationId): Promise<Watermarks[]> {
    const rows = await this.sql<{ user_id: Int8; name: string; delivered: Int8; read: Int8 }[]>`
      SELECT m.user_id, ${this.sql.unsafe(SHOWN_NAME)} AS name, m.delivered, m.read
      FROM members m JOIN users u ON u.id = m.user_id
      WHERE m.conv_id = ${conv}
      ORDER BY u.name COLLATE "C" -- byte order, as SQLite sorts, whatever the database's collation`;
    return rows.map((row) => ({
      userId: Number(row.user_id),
      name: row.name,
      delivered: Number(row.delivered),
      read: Number(row.read),
    }));
  }

  createGroup(name: string, creator: UserId, members: UserId[], now: number): Promise<Group | null> {
    return groups.createGroup(this.sql, name, creator, members, now);
  }

  groupByName(name: string): Promise<Group | null> {
    return groups.groupByName(this.sql, name);
  }

  groupMembers(conv: ConversationId): Promise<GroupMember[]> {
    return groups.groupMembers(this.sql, conv);
  }

  addGroupMember(conv: ConversationId, userId: UserId): Promise<boolean> {
    return groups.addGroupMember(this.sql, conv, userId);
  }

  removeGroupMember(conv: ConversationId, userId: UserId): Promise<boolean> {
    return groups.removeGroupMember(this.sql, conv, userId);
  }

  setGroupRole(conv: ConversationId, userId: UserId, role: Role): Promise<boolean> {
    return groups.setGroupRole(this.sql, conv, userId, role);
  }

  renameGroup(conv: ConversationId, name: string): Promise<boolean> {
    return groups.renameGroup(this.sql, conv, name);
  }

  appendEvents(batch: NewEvent[], policy: EventPolicy): Promise<AppendResult[]> {
    const appended = this.appending.then(() => appendEvents(this.sql, batch, policy));
    this.appending = appended.catch(() => {});
    return appended;
  }

  eventsAfter(conv: ConversationId, after: number, limit: number, viewer: UserId): Promise<StoredEvent[]> {
    return events.eventsAfter(this.sql, conv, after, limit, viewer);
  }

  conversationSummariesOf(userId: UserId): Promise<ConversationSummaryRow[]> {
    return events.conversationSummariesOf(this.sql, userId);
  }

  timelineBefore(conv: ConversationId, before: number | null, limit: number, viewer: UserId): Promise<StoredEvent[]> {
    return events.timelineBefore(this.sql, conv, before, limit, viewer);
  }

  reactionsTo(conv: ConversationId, seqs: number[]): Promise<Reaction[]> {
    return events.reactionsTo(this.sql, conv, seqs);
  }

  conversationsWithEvent(userId: UserId, clientId: string): Promise<ConversationId[]> {
    return events.conversationsWithEvent(this.sql, userId, clientId);
  }

  hideEvent(userId: UserId, conv: ConversationId, clientId: string): Promise<boolean> {
    return events.hideEvent(this.sql, userId, conv, clientId);
  }

  searchMessages(userId: UserId, words: string[], before: number | null, limit: number): Promise<{ events: StoredEvent[]; next: number | null }> {
    return events.searchMessages(this.sql, userId, words, before, limit);
  }

  /** PostgreSQL keeps its full-text index up to date in every insert: nothing waits. */
  async indexForSearch(): Promise<number> {
    return 0;
  }

  expireEvents(now: number): Promise<number> {
    return retryOnConflict(() => events.expireEvents(this.sql, now));
  }

  oldestSeq(conv: ConversationId): Promise<number | null> {
    return events.oldestSeq(this.sql, conv);
  }

  deleteEventsBefore(cutoff: number): Promise<number> {
    return retryOnConflict(() => events.deleteEventsBefore(this.sql, cutoff));
  }

  createUpload(upload: Upload): Promise<void> {
    return attachments.createUpload(this.sql, upload);
  }

  upload(id: string): Promise<Upload | null> {
    return attachments.upload(this.sql, id);
  }

  finishUpload(id: string, sha256: string, type: string): Promise<void> {
    return attachments.finishUpload(this.sql, id, sha256, type);
  }

  deleteUnsentUpload(id: string, ownerId: UserId): Promise<boolean> {
    return attachments.deleteUnsentUpload(this.sql, id, ownerId);
  }

  attachmentFor(userId: UserId, id: string): Promise<Upload | null> {
    return attachments.attachmentFor(this.sql, userId, id);
  }

  releaseAttachments(unsentBefore: number): Promise<string[]> {
    return attachments.releaseAttachments(this.sql, unsentBefore);
  }

  async cursorsOf(device: DeviceId): Promise<Map<ConversationId, number>> {
    const rows = await this.sql<{ conv_id: Int8; seq: Int8 }[]>`
      SELECT conv_id, seq FROM device_cursors WHERE device_id = ${device}`;
    return new Map(rows.map((row) => [Number(row.conv_id), Number(row.seq)]));
  }

  /**
   * One statement for the whole batch. An update for a revoked device, a device of
   * someone else, or a conversation the user is not in is ignored; a sequence past
   * the end of the conversation is taken as its end, so a confused client cannot
   * mark messages delivered before they exist.
   */
  async saveDelivered(updates: CursorUpdate[]): Promise<Array<{ conv: ConversationId; userId: UserId; delivered: number }>> {
    if (updates.length === 0) return [];
    const rows = await retryOnConflict(
      () => this.sql<{ conv_id: Int8; user_id: Int8; delivered: Int8 }[]>`
        WITH input AS (
          SELECT * FROM unnest(
            ${updates.map((u) => u.device)}::bigint[], ${updates.map((u) => u.userId)}::bigint[],
            ${updates.map((u) => u.conv)}::bigint[], ${updates.map((u) => u.seq)}::bigint[]
          ) AS t(device_id, user_id, conv_id, seq)
        ), valid AS (
          SELECT i.device_id, i.user_id, i.conv_id, LEAST(i.seq, c.last_seq) AS seq
          FROM input i
          JOIN devices d ON d.id = i.device_id AND d.user_id = i.user_id
          JOIN members m ON m.conv_id = i.conv_id AND m.user_id = i.user_id
          JOIN conversations c ON c.id = i.conv_id
        ), cursors AS (
          INSERT INTO device_cursors (device_id, conv_id, seq)
          SELECT device_id, conv_id, max(seq) FROM valid GROUP BY device_id, conv_id ORDER BY device_id, conv_id
          ON CONFLICT (device_id, conv_id) DO UPDATE SET seq = GREATEST(device_cursors.seq, EXCLUDED.seq)
        ), reached AS (
          SELECT conv_id, user_id, max(seq) AS seq FROM valid GROUP BY conv_id, user_id
        ), locked AS (
          -- Member rows are locked in (conv_id, user_id) order here and in the append, so two servers
          -- saving marks and appending at once queue behind each other instead of deadlocking.
          SELECT m.conv_id, m.user_id FROM members m JOIN reached r ON r.conv_id = m.conv_id AND r.user_id = m.user_id
          ORDER BY m.conv_id, m.user_id FOR NO KEY UPDATE OF m
        )
        UPDATE members m SET delivered = reached.seq
        FROM reached JOIN locked ON locked.conv_id = reached.conv_id AND locked.user_id = reached.user_id
        WHERE m.conv_id = reached.conv_id AND m.user_id = reached.user_id AND m.delivered < reached.seq
        RETURNING m.conv_id, m.user_id, m.delivered`,
    );
    return rows.map((row) => ({ conv: Number(row.conv_id), userId: Number(row.user_id), delivered: Number(row.delivered) }));
  }

  /** Seen implies delivered: the delivery watermark is raised along with the read one. */
  async saveReads(marks: ReadonlyArray<ReadMark>): Promise<Array<Pick<Watermarks, "delivered" | "read"> | null>> {
    // Rows are locked in one order (conversation, user) whatever the batch's, so two servers' batches cannot deadlock;
    // a stable sort keeps one reader's marks of one conversation in the order they came.
    const order = marks.map((_, index) => index).sort((a, b) => marks[a]!.conv - marks[b]!.conv || marks[a]!.userId - marks[b]!.userId);
    return retryOnConflict(() =>
      this.sql.begin(async (tx) => {
        const moved = new Array<Pick<Watermarks, "delivered" | "read"> | null>(marks.length).fill(null);
        for (const index of order) {
          const { userId, conv, seq } = marks[index]!;
          const [row] = await tx<{ read: Int8; delivered: Int8 }[]>`
            UPDATE members m
            SET read = LEAST(${seq}::bigint, c.last_seq),
                delivered = GREATEST(m.delivered, LEAST(${seq}::bigint, c.last_seq))
            FROM conversations c
            WHERE c.id = m.conv_id AND m.conv_id = ${conv} AND m.user_id = ${userId}
              AND m.read < LEAST(${seq}::bigint, c.last_seq)
            RETURNING m.read, m.delivered`;
          moved[index] = row ? { read: Number(row.read), delivered: Number(row.delivered) } : null;
        }
        return moved;
      }),
    );
  }

  async ping(): Promise<void> {
    await this.sql`SELECT 1`;
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}

/** A group's one receipt: the lowest marks over all its members. */
const GROUP_MARKS = "c.id AS conv_id, c.name, min(m.delivered) AS delivered, min(m.read) AS read";
type GroupMarksRow = { conv_id: Int8; name: string; delivered: Int8; read: Int8 };

function toGroupMarks(row: GroupMarksRow): GroupMarks {
  return { conv: Number(row.conv_id), name: row.name, delivered: Number(row.delivered), read: Number(row.read) };
}
