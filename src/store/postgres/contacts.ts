/** Contacts, blocks and group invitations of the PostgreSQL store, with the presence query they decide. */
import type { SQL } from "bun";
import type { Contact, ConversationId, GroupInvite, UserId } from "../../domain/types.ts";

type Int8 = string;

export async function addContact(sql: SQL, owner: UserId, other: UserId, now: number): Promise<{ added: boolean; mutual: boolean }> {
  const [row] = await sql<{ added: boolean; mutual: boolean }[]>`
    WITH added AS (
      INSERT INTO contacts (owner_id, contact_id, since) VALUES (${owner}, ${other}, ${now})
      ON CONFLICT DO NOTHING RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM added) AS added,
           EXISTS (SELECT 1 FROM contacts WHERE owner_id = ${other} AND contact_id = ${owner}) AS mutual`;
  return { added: row!.added, mutual: row!.mutual };
}

export async function removeContact(sql: SQL, owner: UserId, other: UserId): Promise<boolean> {
  const rows = await sql`DELETE FROM contacts WHERE owner_id = ${owner} AND contact_id = ${other} RETURNING 1`;
  return rows.length > 0;
}

export async function countsAsContact(sql: SQL, owner: UserId, other: UserId): Promise<boolean> {
  const [row] = await sql`SELECT 1 FROM contacts WHERE owner_id = ${owner} AND contact_id = ${other}`;
  return row !== undefined;
}

export async function areContacts(sql: SQL, a: UserId, b: UserId): Promise<boolean> {
  const [row] = await sql<{ count: number }[]>`
    SELECT count(*)::int AS count FROM contacts
    WHERE (owner_id = ${a} AND contact_id = ${b}) OR (owner_id = ${b} AND contact_id = ${a})`;
  return row!.count === 2;
}

export async function contactListOf(sql: SQL, owner: UserId): Promise<Array<{ name: string; mutual: boolean }>> {
  return sql<{ name: string; mutual: boolean }[]>`
    SELECT u.name, EXISTS (SELECT 1 FROM contacts back WHERE back.owner_id = mine.contact_id AND back.contact_id = ${owner}) AS mutual
    FROM contacts mine JOIN users u ON u.id = mine.contact_id WHERE mine.owner_id = ${owner} ORDER BY u.name COLLATE "C"`;
}

/** Everyone the user counts as a contact and is counted back by. */
export async function contactsOf(sql: SQL, userId: UserId): Promise<Contact[]> {
  const rows = await sql<{ id: Int8; name: string; last_seen: Int8 | null; hide_last_seen: boolean }[]>`
    SELECT u.id, u.name, u.last_seen, u.hide_last_seen
    FROM contacts mine JOIN contacts back ON back.owner_id = mine.contact_id AND back.contact_id = mine.owner_id
      JOIN users u ON u.id = mine.contact_id
    WHERE mine.owner_id = ${userId}
    ORDER BY u.name COLLATE "C"`;
  return rows.map((row) => ({
    userId: Number(row.id),
    name: row.name,
    lastSeen: row.last_seen == null ? null : Number(row.last_seen),
    hideLastSeen: row.hide_last_seen,
  }));
}

export async function block(sql: SQL, owner: UserId, other: UserId, now: number): Promise<boolean> {
  return sql.begin(async (tx) => {
    await tx`DELETE FROM contacts WHERE owner_id = ${owner} AND contact_id = ${other}`;
    const rows = await tx`INSERT INTO blocks (owner_id, blocked_id, since) VALUES (${owner}, ${other}, ${now}) ON CONFLICT DO NOTHING RETURNING 1`;
    return rows.length > 0;
  });
}

export async function unblock(sql: SQL, owner: UserId, other: UserId): Promise<boolean> {
  const rows = await sql`DELETE FROM blocks WHERE owner_id = ${owner} AND blocked_id = ${other} RETURNING 1`;
  return rows.length > 0;
}

export async function hasBlocked(sql: SQL, owner: UserId, other: UserId): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM blocks WHERE owner_id = ${owner} AND blocked_id = ${other}`;
  return rows.length > 0;
}

export async function blockedBy(sql: SQL, owner: UserId): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT u.name FROM blocks b JOIN users u ON u.id = b.blocked_id WHERE b.owner_id = ${owner} ORDER BY u.name COLLATE "C"`;
  return rows.map((row) => row.name);
}

export async function inviteToGroup(sql: SQL, conv: ConversationId, userId: UserId, inviter: UserId, now: number): Promise<boolean> {
  const rows = await sql`
    INSERT INTO group_invites (user_id, conv_id, inviter_id, created_at) VALUES (${userId}, ${conv}, ${inviter}, ${now})
    ON CONFLICT DO NOTHING RETURNING 1`;
  return rows.length > 0;
}

export async function groupInvitesOf(sql: SQL, userId: UserId): Promise<GroupInvite[]> {
  const rows = await sql<{ conv: Int8; group: string; inviter_id: Int8; inviter: string; at: Int8 }[]>`
    SELECT i.conv_id AS conv, c.name AS "group", i.inviter_id, u.name AS inviter, i.created_at AS at
    FROM group_invites i JOIN conversations c ON c.id = i.conv_id JOIN users u ON u.id = i.inviter_id
    WHERE i.user_id = ${userId} ORDER BY i.created_at, i.conv_id`;
  return rows.map((row) => ({ conv: Number(row.conv), group: row.group, inviterId: Number(row.inviter_id), inviter: row.inviter, at: Number(row.at) }));
}

export async function takeGroupInvite(sql: SQL, conv: ConversationId, userId: UserId): Promise<UserId | null> {
  const [row] = await sql<{ inviter_id: Int8 }[]>`DELETE FROM group_invites WHERE user_id = ${userId} AND conv_id = ${conv} RETURNING inviter_id`;
  return row ? Number(row.inviter_id) : null;
}
