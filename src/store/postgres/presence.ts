/** Privacy switches and "last seen" of the PostgreSQL store. */
import type { SQL } from "bun";
import type { Contact, Privacy, UserId } from "../../domain/types.ts";

interface PrivacyRow {
  hide_last_seen: boolean;
  read_receipts: boolean;
}

/** What a user who never changed a switch gets. */
const DEFAULT_PRIVACY: Privacy = { hideLastSeen: false, readReceipts: true };

const toPrivacy = (row: PrivacyRow | undefined): Privacy =>
  row ? { hideLastSeen: row.hide_last_seen, readReceipts: row.read_receipts } : DEFAULT_PRIVACY;

export async function privacyOf(sql: SQL, userId: UserId): Promise<Privacy> {
  const [row] = await sql<PrivacyRow[]>`SELECT hide_last_seen, read_receipts FROM users WHERE id = ${userId}`;
  return toPrivacy(row);
}

/** Changes only the switches named in `update`, and answers with all of them. */
export async function setPrivacy(sql: SQL, userId: UserId, update: Partial<Privacy>): Promise<Privacy> {
  const [row] = await sql<PrivacyRow[]>`
    UPDATE users
    SET hide_last_seen = coalesce(${update.hideLastSeen ?? null}::boolean, hide_last_seen),
        read_receipts = coalesce(${update.readReceipts ?? null}::boolean, read_receipts)
    WHERE id = ${userId}
    RETURNING hide_last_seen, read_receipts`;
  return toPrivacy(row);
}

/** Never moves back: servers sharing the database may record one user's goodbye out of order. */
export async function setLastSeen(sql: SQL, userId: UserId, at: number): Promise<void> {
  await sql`UPDATE users SET last_seen = GREATEST(last_seen, ${at}) WHERE id = ${userId}`;
}

export async function lastSeenOf(sql: SQL, userId: UserId): Promise<number | null> {
  const [row] = await sql<{ last_seen: string | null }[]>`SELECT last_seen FROM users WHERE id = ${userId}`;
  return row?.last_seen == null ? null : Number(row.last_seen);
}

/** Everyone sharing a conversation with the user, each once; found through the user's memberships, not a scan of users. */
export async function contactsOf(sql: SQL, userId: UserId): Promise<Contact[]> {
  const rows = await sql<{ id: string; name: string; last_seen: string | null; hide_last_seen: boolean }[]>`
    SELECT u.id, u.name, u.last_seen, u.hide_last_seen
    FROM users u
    WHERE u.id IN (
      SELECT theirs.user_id
      FROM members mine JOIN members theirs ON theirs.conv_id = mine.conv_id
      WHERE mine.user_id = ${userId} AND theirs.user_id <> ${userId}
    )
    ORDER BY u.name COLLATE "C"`;
  return rows.map((row) => ({
    userId: Number(row.id),
    name: row.name,
    lastSeen: row.last_seen == null ? null : Number(row.last_seen),
    hideLastSeen: row.hide_last_seen,
  }));
}
