import type { SQL } from "bun";
import type { AppendResult, NewMessage } from "../../domain/types.ts";
import { isUniqueViolation, retryOnConflict } from "./retry.ts";
import { storableText } from "./storable-text.ts";

interface AppendRow {
  idx: number;
  is_member: boolean;
  seq: string | null;
  sent_at: string | null;
  duplicate: boolean;
}

/**
 * Stores a batch in one statement, so one round trip and one commit per batch
 * however many messages and conversations it holds:
 * - a message whose (sender, client id) is already stored is answered with the stored copy;
 * - a sender who is not a member is refused;
 * - the rest get the next sequences of their conversation. The conversation
 *   rows are locked in id order before `last_seq` moves, so writers on every
 *   server queue behind each other and cannot deadlock on them;
 * - senders' own delivered and read marks move up to what they sent, where they had reached it.
 * A copy committed by another server after this statement's snapshot was taken
 * makes the insert fail on the unique index; the whole statement is then undone
 * (no sequence is burnt) and run again, and the rerun sees that copy.
 */
const APPEND = (sql: SQL, m: Columns) => sql<AppendRow[]>`
  WITH input AS (
    SELECT * FROM unnest(${m.conv}::bigint[], ${m.sender}::bigint[], ${m.clientId}::text[], ${m.text}::text[], ${m.sentAt}::bigint[])
      WITH ORDINALITY AS t(conv_id, sender_id, client_id, body, sent_at, idx)
  ),
  classified AS (
    -- LIMIT keeps each lookup an index probe per message; as plain joins the
    -- planner may choose to hash the whole messages or members table.
    SELECT i.*, m.is_member IS NOT NULL AS is_member, e.seq AS existing_seq, e.sent_at AS existing_sent_at
    FROM input i
    LEFT JOIN LATERAL (
      SELECT true AS is_member FROM members WHERE conv_id = i.conv_id AND user_id = i.sender_id LIMIT 1
    ) m ON true
    LEFT JOIN LATERAL (
      SELECT seq, sent_at FROM messages WHERE sender_id = i.sender_id AND client_id = i.client_id LIMIT 1
    ) e ON true
  ),
  fresh AS (
    SELECT *, row_number() OVER (PARTITION BY conv_id ORDER BY idx) AS position
    FROM classified
    WHERE is_member AND existing_seq IS NULL
  ),
  counts AS (
    SELECT conv_id, count(*) AS n FROM fresh GROUP BY conv_id
  ),
  locked AS (
    SELECT id FROM conversations WHERE id IN (SELECT conv_id FROM counts) ORDER BY id FOR NO KEY UPDATE
  ),
  reserved AS (
    UPDATE conversations c SET last_seq = c.last_seq + counts.n
    FROM locked JOIN counts ON counts.conv_id = locked.id
    WHERE c.id = locked.id
    RETURNING c.id, c.last_seq - counts.n AS base
  ),
  stored AS (
    INSERT INTO messages (conv_id, seq, sender_id, client_id, body, sent_at)
    SELECT f.conv_id, r.base + f.position, f.sender_id, f.client_id, f.body, f.sent_at
    FROM fresh f JOIN reserved r ON r.id = f.conv_id
    RETURNING conv_id, sender_id, client_id, seq, sent_at
  ),
  -- You have seen what you wrote, but a mark moves only where it had reached the message before
  -- yours: it must never jump over others' messages your devices have not had. Marks stood at or
  -- below the conversation's last seq before this batch, so only the sender of a conversation's
  -- first new message can move, and only through the run of messages that are all theirs.
  leading_runs AS (
    SELECT DISTINCT ON (f.conv_id) f.conv_id, f.sender_id, f.seq AS first_seq,
      coalesce(
        (SELECT min(o.seq) - 1 FROM stored o WHERE o.conv_id = f.conv_id AND o.sender_id <> f.sender_id),
        (SELECT max(o.seq) FROM stored o WHERE o.conv_id = f.conv_id)
      ) AS run_end
    FROM stored f ORDER BY f.conv_id, f.seq
  ),
  own_locked AS (
    -- Member rows are locked in (conv_id, user_id) order, as saveDelivered does: no deadlock between them.
    SELECT m.conv_id, m.user_id FROM members m JOIN leading_runs r ON r.conv_id = m.conv_id AND r.sender_id = m.user_id
    ORDER BY m.conv_id, m.user_id FOR NO KEY UPDATE OF m
  ),
  own_marks AS (
    UPDATE members m SET
      delivered = CASE WHEN m.delivered = r.first_seq - 1 THEN r.run_end ELSE m.delivered END,
      read = CASE WHEN m.read = r.first_seq - 1 THEN r.run_end ELSE m.read END
    FROM leading_runs r JOIN own_locked l ON l.conv_id = r.conv_id AND l.user_id = r.sender_id
    WHERE m.conv_id = r.conv_id AND m.user_id = r.sender_id
  )
  SELECT c.idx::int AS idx, c.is_member,
         coalesce(s.seq, c.existing_seq) AS seq,
         coalesce(s.sent_at, c.existing_sent_at) AS sent_at,
         s.seq IS NULL AS duplicate
  FROM classified c
  LEFT JOIN stored s ON s.sender_id = c.sender_id AND s.client_id = c.client_id
`;

interface Columns {
  conv: number[];
  sender: number[];
  clientId: string[];
  text: string[];
  sentAt: number[];
}

export async function appendMessages(sql: SQL, batch: NewMessage[]): Promise<AppendResult[]> {
  if (batch.length === 0) return [];
  // A repeat inside the batch is answered like its first occurrence; only first occurrences reach the database.
  const slotOf = new Map<string, number>();
  const unique: NewMessage[] = [];
  const plan = batch.map((message) => {
    const key = `${message.senderId}:${message.clientId}`;
    const slot = slotOf.get(key);
    if (slot !== undefined) return { slot, repeat: true };
    slotOf.set(key, unique.push(message) - 1);
    return { slot: unique.length - 1, repeat: false };
  });

  const columns: Columns = {
    conv: unique.map((m) => m.conv),
    sender: unique.map((m) => m.senderId),
    clientId: unique.map((m) => m.clientId),
    text: unique.map((m) => storableText(m.text)),
    sentAt: unique.map((m) => m.sentAt),
  };
  const rows = await retryOnConflict(
    () => APPEND(sql, columns),
    (error) => isUniqueViolation(error, "messages_by_client_id"),
  );

  const results: AppendResult[] = new Array(unique.length);
  for (const row of rows) {
    results[row.idx - 1] =
      row.seq === null || row.sent_at === null
        ? { ok: false, reason: "not_member" }
        : { ok: true, seq: Number(row.seq), sentAt: Number(row.sent_at), duplicate: row.duplicate };
  }
  return plan.map(({ slot, repeat }) => {
    const result = results[slot]!;
    return result.ok && repeat ? { ...result, duplicate: true } : result;
  });
}
