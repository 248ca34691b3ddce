/** Privacy switches and "last seen" of the PostgreSQL store. */
import type { SQL } from "bun";
import type { GroupAdds, Privacy, UserId } from "../../domain/types.ts";
import type { LastSeen } from "../presence-store.ts";

interface PrivacyRow {
  hide_last_seen: boolean;
  read_receipts: boolean;
  group_adds: GroupAdds;
}

/** What a user who never changed a switch gets. */
const DEFAULT_PRIVACY: Privacy = { hideLastSeen: false, readReceipts: true, groupAdds: "everyone" };

const toPrivacy = (row: PrivacyRow | undefined): Privacy =>
  row ? { hideLastSeen: row.hide_last_seen, readReceipts: row.read_receipts, groupAdds: row.group_adds } : DEFAULT_PRIVACY;

export async function privacyOf(sql: SQL, userId: UserId): Promise<Privacy> {
  const [row] = await sql<PrivacyRow[]>`SELECT hide_last_seen, read_receipts, group_adds FROM users WHERE id = ${userId}`;
  return toPrivacy(row);
}

/** Changes only the switches named in `update`, and answers with all of them. */
export async function setPrivacy(sql: SQL, userId: UserId, update: Partial<Privacy>): Promise<Privacy> {
  const [row] = await sql<PrivacyRow[]>`
    UPDATE users
    SET hide_last_seen = coalesce(${update.hideLastSeen ?? null}::boolean, hide_last_seen),
        read_receipts = coalesce(${update.readReceipts ?? null}::boolean, read_receipts),
        group_adds = coalesce(${update.groupAdds ?? null}::text, group_adds)
    WHERE id = ${userId}
    RETURNING hide_last_seen, read_receipts, group_adds`;
  return toPrivacy(row);
}

/** Never moves back: servers sharing the database may record one user's goodbye out of order. A user twice in `seen` gets the later time. */
export async function setLastSeen(sql: SQL, seen: ReadonlyArray<LastSeen>): Promise<void> {
  if (seen.length === 0) return;
  await sql`
    UPDATE users u SET last_seen = GREATEST(u.last_seen, s.at)
    FROM (SELECT id, max(at) AS at FROM unnest(${seen.map((row) => row.userId)}::bigint[], ${seen.map((row) => row.at)}::bigint[]) AS t(id, at) GROUP BY id) s
    WHERE u.id = s.id`;
}

export async function lastSeenOf(sql: SQL, userId: UserId): Promise<number | null> {
  const [row] = await sql<{ last_seen: string | null }[]>`SELECT last_seen FROM users WHERE id = ${userId}`;
  return row?.last_seen == null ? null : Number(row.last_seen);
}
