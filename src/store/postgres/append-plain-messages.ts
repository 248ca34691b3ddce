import type { SQL } from "bun";
import type { AppendResult, NewEvent } from "../../domain/events.ts";
import { isUniqueViolation, retryOnConflict } from "./retry.ts";
import { storableText } from "./storable-text.ts";

/** The unique index holding one event per (id, conversation). */
export const CLIENT_ID_INDEX = "events_by_client_id";

/** A new message that is no reply and carries no attachment: the only kind the one-statement append takes. */
export type PlainMessage = NewEvent & { kind: "message"; text: string; replyTo?: undefined; attachment?: undefined };

/** A message with nothing to judge, hide nor attach: the one-statement append takes it. */
export const isPlainMessage = (event: NewEvent): event is PlainMessage =>
  event.kind === "message" && event.replyTo === undefined && event.attachment === undefined && event.hiddenFrom === undefined;

interface AppendRow {
  idx: number;
  is_member: boolean;
  seq: string | null;
  sent_at: string | null;
  expires_at: string | null;
  existing_sender: string | null;
  duplicate: boolean;
}

/**
 * Stores a batch of plain messages in one statement, so one round trip and one commit per batch
 * however many messages and conversations it holds:
 * - a message whose id is already stored in its conversation is answered with the stored copy
 *   when the same sender sent it, and refused when someone else did;
 * - a sender who is not a member is refused;
 * - the rest get the next sequences of their conversation. The conversation
 *   rows are locked in id order before `last_seq` moves, so writers on every
 *   server queue behind each other and cannot deadlock on them; a conversation
 *   with a disappearing-message timer gives its new messages their end;
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
    -- planner may choose to hash the whole events or members table.
    SELECT i.*, m.is_member IS NOT NULL AS is_member, e.seq AS existing_seq, e.sent_at AS existing_sent_at,
           e.sender_id AS existing_sender, e.expires_at AS existing_expires_at
    FROM input i
    LEFT JOIN LATERAL (
      SELECT true AS is_member FROM members WHERE conv_id = i.conv_id AND user_id = i.sender_id LIMIT 1
    ) m ON true
    LEFT JOIN LATERAL (
      SELECT seq, sent_at, sender_id, expires_at FROM events WHERE client_id = i.client_id AND conv_id = i.conv_id LIMIT 1
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
    -- read under the lock: the timer as the last writer left it
    UPDATE conversations c SET last_seq = c.last_seq + counts.n
    FROM locked JOIN counts ON counts.conv_id = locked.id
    WHERE c.id = locked.id
    RETURNING c.id, c.last_seq - counts.n AS base, c.timer_seconds
  ),
  stored AS (
    INSERT INTO events (conv_id, seq, sender_id, client_id, body, sent_at, expires_at)
    SELECT f.conv_id, r.base + f.position, f.sender_id, f.client_id, f.body, f.sent_at,
           CASE WHEN r.timer_seconds > 0 THEN f.sent_at + r.timer_seconds * 1000 END
    FROM fresh f JOIN reserved r ON r.id = f.conv_id
    RETURNING conv_id, sender_id, client_id, seq, sent_at, expires_at
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
         CASE WHEN s.seq IS NULL THEN c.existing_expires_at ELSE s.expires_at END AS expires_at,
         c.existing_sender,
         s.seq IS NULL AS duplicate
  FROM classified c
  LEFT JOIN stored s ON s.conv_id = c.conv_id AND s.client_id = c.client_id
`;

interface Columns {
  conv: number[];
  sender: number[];
  clientId: string[];
  text: string[];
  sentAt: number[];
}

/** True when two senders give one id in one conversation of the batch: only the one-by-one append answers that as SQLite does. */
export function hasSharedIds(batch: NewEvent[]): boolean {
  const senderOf = new Map<string, number>();
  for (const event of batch) {
    const key = `${event.conv}:${event.clientId}`;
    const sender = senderOf.get(key);
    if (sender !== undefined && sender !== event.senderId) return true;
    senderOf.set(key, event.senderId);
  }
  return false;
}

export const idTaken = (clientId: string): AppendResult => ({
  ok: false,
  reason: "refused",
  code: "id_taken",
  message: `Another message of this conversation has the id '${clientId}'; send it with a new id.`,
});

/** Stores plain messages (no replies), no id given by two senders of one conversation in the batch. */
export async function appendPlainMessages(sql: SQL, batch: PlainMessage[]): Promise<AppendResult[]> {
  if (batch.length === 0) return [];
  // A repeat inside the batch is answered like its first occurrence; only first occurrences reach the database.
  const slotOf = new Map<string, number>();
  const unique: PlainMessage[] = [];
  const plan = batch.map((message) => {
    const key = `${message.conv}:${message.clientId}`;
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
    (error) => isUniqueViolation(error, CLIENT_ID_INDEX),
  );

  const results: AppendResult[] = new Array(unique.length);
  for (const row of rows) {
    const message = unique[row.idx - 1]!;
    if (row.existing_sender !== null && Number(row.existing_sender) !== message.senderId) results[row.idx - 1] = idTaken(message.clientId);
    else if (row.seq === null || row.sent_at === null) results[row.idx - 1] = { ok: false, reason: "not_member" };
    else {
      results[row.idx - 1] = {
        ok: true,
        seq: Number(row.seq),
        sentAt: Number(row.sent_at),
        duplicate: row.duplicate,
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        quote: null,
      };
    }
  }
  return plan.map(({ slot, repeat }) => {
    const result = results[slot]!;
    return result.ok && repeat ? { ...result, duplicate: true } : result;
  });
}
