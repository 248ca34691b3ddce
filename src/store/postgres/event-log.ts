/**
 * Reading the conversation log of the PostgreSQL store, search, hiding, disappearing messages and
 * retention. Appending is in append-events.ts.
 */
import { SHOWN_NAME, shownName } from "../shown-name.ts";
import type { SQL } from "bun";
import type { EventKind, Reaction, StoredEvent } from "../../domain/events.ts";
import type { ConversationId, UserId } from "../../domain/types.ts";
import type { ConversationSummaryRow } from "../conversation-log.ts";
import { toStoredEvent } from "../event-rows.ts";
import { scrubMessages } from "./scrub.ts";

type Int8 = string;

/** Above every sequence and row id: "before the newest" is "before this". */
const NEWEST = Number.MAX_SAFE_INTEGER;

interface EventRow {
  id: Int8;
  conv: Int8;
  seq: Int8;
  clientId: string;
  senderId: Int8;
  sender: string;
  kind: EventKind;
  body: string;
  refId: string | null;
  sentAt: Int8;
  editedAt: Int8 | null;
  deleted: boolean;
  expiresAt: Int8 | null;
  quoteFrom: string | null;
  quoteText: string | null;
  quoteDeleted: boolean | null;
  hidden: boolean;
  attachment: string | null;
}

const orNull = (value: Int8 | null): number | null => (value === null ? null : Number(value));

const toEvent = (row: EventRow): StoredEvent =>
  toStoredEvent({
    ...row,
    conv: Number(row.conv),
    seq: Number(row.seq),
    senderId: Number(row.senderId),
    sentAt: Number(row.sentAt),
    editedAt: orNull(row.editedAt),
    expiresAt: orNull(row.expiresAt),
  });

/** Each event `e` with its sender's name, the quoted message of a reply, whether `viewer` hid it, and its attachment. */
const eventColumns = (sql: SQL, viewer: UserId) => sql`
  e.id, e.conv_id AS conv, e.seq, e.client_id AS "clientId", e.sender_id AS "senderId", ${sql.unsafe(SHOWN_NAME)} AS sender,
  e.kind, e.body, e.ref_id AS "refId", e.sent_at AS "sentAt", e.edited_at AS "editedAt", e.deleted, e.expires_at AS "expiresAt",
  ${sql.unsafe(shownName("qu"))} AS "quoteFrom", substr(q.body, 1, 400) AS "quoteText", q.deleted AS "quoteDeleted",
  EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = ${viewer} AND h.conv_id = e.conv_id AND h.seq = e.seq) AS hidden,
  CASE WHEN a.id IS NOT NULL THEN json_build_object('id', a.id, 'name', a.name, 'size', a.size, 'type', a.type, 'sha256', a.sha256, 'preview', a.preview)::text END AS attachment`;

/** Joined after `events e`: the sender, for a reply the message it quotes and its sender, and the attachment it carries. */
const eventJoins = (sql: SQL) => sql`
  JOIN users u ON u.id = e.sender_id
  LEFT JOIN events q ON e.kind = 'message' AND q.client_id = e.ref_id AND q.conv_id = e.conv_id
  LEFT JOIN users qu ON qu.id = q.sender_id
  LEFT JOIN attachments a ON a.id = e.attachment_id`;

export async function eventsAfter(sql: SQL, conv: ConversationId, after: number, limit: number, viewer: UserId): Promise<StoredEvent[]> {
  const rows = await sql<EventRow[]>`
    SELECT ${eventColumns(sql, viewer)} FROM events e ${eventJoins(sql)}
    WHERE e.conv_id = ${conv} AND e.seq > ${after}
    ORDER BY e.seq
    LIMIT ${limit}`;
  return rows.map(toEvent);
}

/** Each conversation of the user: its newest visible message or notice, the read mark and the unread count (see ConversationLog). */
export async function conversationSummariesOf(sql: SQL, userId: UserId): Promise<ConversationSummaryRow[]> {
  const rows = await sql<{ conv: Int8; read: Int8; last_seq: Int8; unread: Int8 }[]>`
    SELECT m.conv_id AS conv, m.read AS read,
      coalesce((SELECT e.seq FROM events e WHERE e.conv_id = m.conv_id AND e.seq > m.joined_seq AND e.kind IN ('message', 'notice')
          AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = m.user_id AND h.conv_id = e.conv_id AND h.seq = e.seq)
        ORDER BY e.seq DESC LIMIT 1), 0) AS last_seq,
      (SELECT count(*) FROM events e WHERE e.conv_id = m.conv_id AND e.seq > greatest(m.read, m.joined_seq) AND e.kind = 'message'
          AND e.sender_id <> m.user_id AND NOT e.deleted
          AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = m.user_id AND h.conv_id = e.conv_id AND h.seq = e.seq)) AS unread
    FROM members m WHERE m.user_id = ${userId}`;
  return rows.map((row) => ({ conv: Number(row.conv), read: Number(row.read), lastSeq: Number(row.last_seq), unread: Number(row.unread) }));
}

/** A plain range on seq (no "IS NULL OR") keeps deep pages an index range scan under a generic plan. */
export async function timelineBefore(sql: SQL, conv: ConversationId, before: number | null, limit: number, viewer: UserId): Promise<StoredEvent[]> {
  const rows = await sql<EventRow[]>`
    SELECT ${eventColumns(sql, viewer)} FROM events e ${eventJoins(sql)}
    WHERE e.conv_id = ${conv} AND e.seq < ${before ?? NEWEST} AND e.kind IN ('message', 'notice')
      AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = ${viewer} AND h.conv_id = e.conv_id AND h.seq = e.seq)
    ORDER BY e.seq DESC
    LIMIT ${limit}`;
  return rows.map(toEvent);
}

/**
 * Newest first by row id, which is also the cursor. The match is written exactly as the index
 * events_search is (expression and predicate), so the index finds the candidates;
 * plainto_tsquery reads the words as words, never as operators.
 */
export async function searchMessages(sql: SQL, userId: UserId, words: string[], before: number | null, limit: number) {
  if (words.length === 0) return { events: [], next: null };
  const rows = await sql<EventRow[]>`
    SELECT ${eventColumns(sql, userId)} FROM events e ${eventJoins(sql)}
      JOIN members m ON m.conv_id = e.conv_id AND m.user_id = ${userId} AND e.seq > m.joined_seq
    WHERE to_tsvector('simple', e.body) @@ plainto_tsquery('simple', ${words.join(" ")})
      AND e.kind = 'message' AND NOT e.deleted AND e.id < ${before ?? NEWEST}
      AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = ${userId} AND h.conv_id = e.conv_id AND h.seq = e.seq)
    ORDER BY e.id DESC
    LIMIT ${limit}`;
  return { events: rows.map(toEvent), next: rows.length === limit && rows.length > 0 ? Number(rows.at(-1)!.id) : null };
}

/** Names compare byte by byte whatever the database's collation, as in SQLite. */
export async function reactionsTo(sql: SQL, conv: ConversationId, seqs: number[]): Promise<Reaction[]> {
  if (seqs.length === 0) return [];
  const rows = await sql<{ seq: Int8; emoji: string; user: string }[]>`
    SELECT r.seq, r.emoji, ${sql.unsafe(SHOWN_NAME)} AS "user" FROM reactions r JOIN users u ON u.id = r.user_id
    WHERE r.conv_id = ${conv} AND r.seq = ANY(${seqs}::bigint[])
    ORDER BY r.seq, u.name COLLATE "C"`;
  return rows.map((row) => ({ seq: Number(row.seq), emoji: row.emoji, user: row.user }));
}

export async function conversationsWithEvent(sql: SQL, userId: UserId, clientId: string): Promise<ConversationId[]> {
  const rows = await sql<{ conv_id: Int8 }[]>`
    SELECT e.conv_id FROM events e JOIN members m ON m.conv_id = e.conv_id AND m.user_id = ${userId}
    WHERE e.client_id = ${clientId}
    ORDER BY e.conv_id`;
  return rows.map((row) => Number(row.conv_id));
}

export async function hideEvent(sql: SQL, userId: UserId, conv: ConversationId, clientId: string): Promise<boolean> {
  const [row] = await sql<{ found: number }[]>`
    WITH target AS (
      SELECT conv_id, seq FROM events WHERE client_id = ${clientId} AND conv_id = ${conv} AND kind = 'message'
    ), hid AS (
      INSERT INTO hidden (user_id, conv_id, seq) SELECT ${userId}, conv_id, seq FROM target
      ON CONFLICT DO NOTHING
    )
    SELECT count(*)::int AS found FROM target`;
  return row!.found > 0;
}

/**
 * The conversations with messages due are locked as appends lock them, so no edit or reaction is
 * judged against a message while its text goes; the scrub, a statement of its own, then sees
 * every edit stored before.
 */
export async function expireEvents(sql: SQL, now: number): Promise<number> {
  return sql.begin(async (tx) => {
    const locked = await tx<{ id: Int8 }[]>`
      SELECT id FROM conversations
      WHERE id IN (SELECT conv_id FROM events WHERE expires_at <= ${now} AND NOT deleted)
      ORDER BY id FOR NO KEY UPDATE`;
    if (locked.length === 0) return 0;
    const due = await tx<{ conv_id: Int8; seq: Int8 }[]>`
      SELECT conv_id, seq FROM events
      WHERE expires_at <= ${now} AND NOT deleted AND conv_id = ANY(${locked.map((row) => row.id)}::bigint[])`;
    if (due.length === 0) return 0;
    return scrubMessages(tx, due.map((row) => Number(row.conv_id)), due.map((row) => Number(row.seq)));
  });
}

export async function oldestSeq(sql: SQL, conv: ConversationId): Promise<number | null> {
  const [row] = await sql<{ seq: Int8 | null }[]>`SELECT min(seq) AS seq FROM events WHERE conv_id = ${conv}`;
  return row?.seq == null ? null : Number(row.seq);
}

/** Retention: the events go with their reactions and the marks of who hid them. */
export async function deleteEventsBefore(sql: SQL, cutoff: number): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    WITH gone AS (
      DELETE FROM events WHERE sent_at < ${cutoff} RETURNING conv_id, seq
    ), reactions AS (
      DELETE FROM reactions r USING gone g WHERE r.conv_id = g.conv_id AND r.seq = g.seq
    ), hid AS (
      DELETE FROM hidden h USING gone g WHERE h.conv_id = g.conv_id AND h.seq = g.seq
    )
    SELECT count(*)::int AS count FROM gone`;
  return row!.count;
}
