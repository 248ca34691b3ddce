/**
 * Group queries of the PostgreSQL store. A member joins at the group's current
 * last sequence (joined_seq), and each of their devices starts there, so a late
 * joiner sees what is sent from then on and nothing before.
 */
import type { SQL } from "bun";
import type { ConversationId, Group, GroupMember, Role, UserId } from "../../domain/types.ts";
import { isUniqueViolation, retryOnConflict } from "./retry.ts";
import { storableText } from "./storable-text.ts";

const GROUP_NAME_INDEX = "conversations_by_group_name";

/** Null when another group has the name; two servers creating the same name at once get one group between them. */
export async function createGroup(sql: SQL, name: string, creator: UserId, members: UserId[], now: number): Promise<Group | null> {
  const [row] = await sql<{ id: string }[]>`
    WITH grp AS (
      INSERT INTO conversations (kind, name, created_at) VALUES ('group', ${storableText(name)}, ${now})
      ON CONFLICT (name) WHERE kind = 'group' DO NOTHING
      RETURNING id, last_seq
    ), everyone AS (
      -- the creator may be named among the members too; they stay admin
      SELECT DISTINCT user_id FROM unnest(${[creator, ...members]}::bigint[]) AS user_id
    ), joined AS (
      INSERT INTO members (conv_id, user_id, joined_seq, role)
      SELECT grp.id, everyone.user_id, grp.last_seq, CASE WHEN everyone.user_id = ${creator} THEN 'admin' ELSE 'member' END
      FROM grp, everyone
    ), cursors AS (
      INSERT INTO device_cursors (device_id, conv_id, seq)
      SELECT d.id, grp.id, grp.last_seq FROM grp JOIN devices d ON d.user_id IN (SELECT user_id FROM everyone)
    )
    SELECT id FROM grp`;
  return row ? { conv: Number(row.id), name } : null;
}

export async function groupByName(sql: SQL, name: string): Promise<Group | null> {
  const [row] = await sql<{ id: string; name: string }[]>`
    SELECT id, name FROM conversations WHERE kind = 'group' AND name = ${storableText(name)}`;
  return row ? { conv: Number(row.id), name: row.name } : null;
}

/** Admins first, then by name; names compare byte by byte whatever the database's collation, as in SQLite. */
export async function groupMembers(sql: SQL, conv: ConversationId): Promise<GroupMember[]> {
  const rows = await sql<{ user_id: string; name: string; role: Role }[]>`
    SELECT m.user_id, u.name, m.role
    FROM members m JOIN users u ON u.id = m.user_id
    WHERE m.conv_id = ${conv}
    ORDER BY m.role, u.name COLLATE "C"`;
  return rows.map((row) => ({ userId: Number(row.user_id), name: row.name, role: row.role }));
}

/**
 * The conversation row is share-locked while the member joins: appends lock it to move
 * last_seq, so no message can be numbered between reading last_seq and the member
 * being in. Every append after this one reaches the new member; none before does.
 */
export async function addGroupMember(sql: SQL, conv: ConversationId, userId: UserId): Promise<boolean> {
  const rows = await retryOnConflict(
    () => sql<{ user_id: string }[]>`
      WITH grp AS (
        SELECT id, last_seq FROM conversations WHERE id = ${conv} FOR SHARE
      ), joined AS (
        INSERT INTO members (conv_id, user_id, joined_seq, role)
        SELECT grp.id, ${userId}, grp.last_seq, 'member' FROM grp
        ON CONFLICT DO NOTHING
        RETURNING user_id
      ), cursors AS (
        INSERT INTO device_cursors (device_id, conv_id, seq)
        SELECT d.id, grp.id, grp.last_seq FROM grp JOIN devices d ON d.user_id IN (SELECT user_id FROM joined)
        ON CONFLICT DO NOTHING
      )
      SELECT user_id FROM joined`,
  );
  return rows.length > 0;
}

/** The member's devices lose their place in the stream along with the membership. */
export async function removeGroupMember(sql: SQL, conv: ConversationId, userId: UserId): Promise<boolean> {
  const rows = await retryOnConflict(
    () => sql<{ user_id: string }[]>`
      WITH gone AS (
        DELETE FROM members WHERE conv_id = ${conv} AND user_id = ${userId}
        RETURNING user_id
      ), cursors AS (
        DELETE FROM device_cursors
        WHERE conv_id = ${conv} AND device_id IN (SELECT d.id FROM devices d JOIN gone ON d.user_id = gone.user_id)
      )
      SELECT user_id FROM gone`,
  );
  return rows.length > 0;
}

export async function setGroupRole(sql: SQL, conv: ConversationId, userId: UserId, role: Role): Promise<boolean> {
  const rows = await sql`UPDATE members SET role = ${role} WHERE conv_id = ${conv} AND user_id = ${userId} RETURNING user_id`;
  return rows.length > 0;
}

/**
 * False when a group already has the name. Two renames to one name at once: the
 * loser's insert into the unique index fails, and its rerun sees the winner's name.
 */
export async function renameGroup(sql: SQL, conv: ConversationId, name: string): Promise<boolean> {
  const stored = storableText(name);
  const rows = await retryOnConflict(
    () => sql`
      UPDATE conversations SET name = ${stored}
      WHERE id = ${conv} AND kind = 'group'
        AND NOT EXISTS (SELECT 1 FROM conversations WHERE kind = 'group' AND name = ${stored})
      RETURNING id`,
    (error) => isUniqueViolation(error, GROUP_NAME_INDEX),
  );
  return rows.length > 0;
}
