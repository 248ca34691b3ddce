import type { Database } from "bun:sqlite";
import {
  attachmentIdOf,
  encodeBody,
  judgeEvent,
  quoteOf,
  targetOf,
  type AppendResult,
  type EventKind,
  type EventPolicy,
  type NewEvent,
  type Reaction,
  type StoredEvent,
} from "../../domain/events.ts";
import type { ConversationId, ConversationKind, UserId } from "../../domain/types.ts";
import type { ConversationLog, ConversationSummaryRow } from "../conversation-log.ts";
import { toStoredEvent, type EventRow } from "../event-rows.ts";
import { inWriteTransaction } from "./transaction.ts";
import { SHOWN_NAME, shownName } from "../shown-name.ts";
import { raiseOwnMarks, type SenderState } from "../own-marks.ts";

type EventLogMethods = Pick<
  ConversationLog,
  | "appendEvents"
  | "eventsAfter"
  | "timelineBefore"
  | "conversationSummariesOf"
  | "reactionsTo"
  | "conversationsWithEvent"
  | "hideEvent"
  | "searchMessages"
  | "expireEvents"
  | "indexForSearch"
  | "oldestSeq"
  | "deleteEventsBefore"
>;

interface ConversationState {
  lastSeq: number;
  timerSeconds: number;
  kind: ConversationKind;
}

interface TargetRow {
  id: number;
  seq: number;
  senderId: number;
  sender: string;
  kind: EventKind;
  body: string;
  sentAt: number;
  deleted: number;
}

type RawEventRow = Omit<EventRow, "deleted" | "quoteDeleted" | "hidden"> & { id: number; deleted: number; quoteDeleted: number | null; hidden: number };

const toEvent = (row: RawEventRow): StoredEvent =>
  toStoredEvent({ ...row, deleted: row.deleted === 1, quoteDeleted: row.quoteDeleted === null ? null : row.quoteDeleted === 1, hidden: row.hidden === 1 });

/** Each event with its sender's name, the quoted message of a reply, whether $viewer hid it, and its attachment. */
const EVENT_SELECT = `SELECT e.id, e.conv_id AS conv, e.seq, e.client_id AS clientId, e.sender_id AS senderId, ${SHOWN_NAME} AS sender,
    e.kind, e.body, e.ref_id AS refId, e.sent_at AS sentAt, e.edited_at AS editedAt, e.deleted, e.expires_at AS expiresAt,
    ${shownName("qu")} AS quoteFrom, substr(q.body, 1, 400) AS quoteText, q.deleted AS quoteDeleted,
    EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = $viewer AND h.conv_id = e.conv_id AND h.seq = e.seq) AS hidden,
    CASE WHEN a.id IS NOT NULL THEN json_object('id', a.id, 'name', a.name, 'size', a.size, 'type', a.type, 'sha256', a.sha256, 'preview', a.preview) END AS attachment
  FROM events e JOIN users u ON u.id = e.sender_id
    LEFT JOIN events q ON e.kind = 'message' AND q.client_id = e.ref_id AND q.conv_id = e.conv_id
    LEFT JOIN users qu ON qu.id = q.sender_id
    LEFT JOIN attachments a ON a.id = e.attachment_id`;

/** A search as FTS5 reads it: every word, each quoted as a phrase so no word is read as an operator. */
function matchExpression(words: string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ");
}

/** The conversation log over SQLite: the stream of events, their effects on messages, and the search index. */
export function sqliteEventLog(db: Database): EventLogMethods {
  const q = <Row = unknown>(sql: string) => db.query<Row, any>(sql);

  const selectByClientId = q<{ seq: number; sentAt: number; senderId: number; expiresAt: number | null }>(
    "SELECT seq, sent_at AS sentAt, sender_id AS senderId, expires_at AS expiresAt FROM events WHERE client_id = ?1 AND conv_id = ?2",
  );
  const selectSenderState = q<{ delivered: number; read: number; role: string }>(
    "SELECT delivered_seq AS delivered, read_seq AS read, role FROM members WHERE conv_id = ?1 AND user_id = ?2",
  );
  const selectConversationState = q<ConversationState>(
    "SELECT last_seq AS lastSeq, timer_seconds AS timerSeconds, kind FROM conversations WHERE id = ?1",
  );
  const selectTarget = q<TargetRow>(
    `SELECT e.id, e.seq, e.sender_id AS senderId, ${SHOWN_NAME} AS sender, e.kind, e.body, e.sent_at AS sentAt, e.deleted
     FROM events e JOIN users u ON u.id = e.sender_id WHERE e.client_id = ?1 AND e.conv_id = ?2`,
  );
  const insertEvent = q(
    `INSERT INTO events (conv_id, seq, sender_id, client_id, kind, body, ref_id, sent_at, expires_at, attachment_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
  );
  const indexText = q("INSERT INTO events_search (rowid, text) VALUES (?1, ?2)");
  // A contentless index forgets a row only when told the words it indexed for it.
  const unindexRow = q("INSERT INTO events_search (events_search, rowid, text) VALUES ('delete', ?1, ?2)");
  const selectIndexedTo = q<{ indexedTo: number }>("SELECT indexed_to AS indexedTo FROM search_state");
  const updateIndexedTo = q("UPDATE search_state SET indexed_to = ?1");
  const selectUnindexed = q<{ id: number; kind: EventKind; body: string; deleted: number }>(
    "SELECT id, kind, body, deleted FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
  );
  /** Takes a message's words out of the index, if the indexer has put them there. */
  const unindex = (id: number, body: string) => {
    if (id <= selectIndexedTo.get()!.indexedTo) unindexRow.run(id, body);
  };
  const updateText = q("UPDATE events SET body = ?2, edited_at = ?3 WHERE id = ?1");
  const scrubMessage = q("UPDATE events SET body = '', deleted = 1 WHERE id = ?1");
  const scrubEdits = q("UPDATE events SET body = '' WHERE conv_id = ?1 AND ref_id = ?2 AND kind = 'edit'");
  const dropReactions = q("DELETE FROM reactions WHERE conv_id = ?1 AND seq = ?2");
  const upsertReaction = q(
    `INSERT INTO reactions (conv_id, seq, user_id, emoji) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (conv_id, seq, user_id) DO UPDATE SET emoji = excluded.emoji`,
  );
  const dropReaction = q("DELETE FROM reactions WHERE conv_id = ?1 AND seq = ?2 AND user_id = ?3");
  const updateTimer = q("UPDATE conversations SET timer_seconds = ?2 WHERE id = ?1");
  const updateLastSeq = q("UPDATE conversations SET last_seq = ?2 WHERE id = ?1");
  const updateOwnMarks = q("UPDATE members SET delivered_seq = ?3, read_seq = ?4 WHERE conv_id = ?1 AND user_id = ?2");

  const selectAfter = q<RawEventRow>(`${EVENT_SELECT} WHERE e.conv_id = $conv AND e.seq > $after ORDER BY e.seq LIMIT $limit`);
  const selectTimeline = q<RawEventRow>(
    `${EVENT_SELECT} WHERE e.conv_id = $conv AND e.seq < $before AND e.kind IN ('message', 'notice')
       AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = $viewer AND h.conv_id = e.conv_id AND h.seq = e.seq)
     ORDER BY e.seq DESC LIMIT $limit`,
  );
  const selectSearch = q<RawEventRow>(
    `${EVENT_SELECT}
       JOIN events_search s ON s.rowid = e.id
       JOIN members m ON m.conv_id = e.conv_id AND m.user_id = $viewer AND e.seq > m.joined_seq
     WHERE events_search MATCH $match AND s.rowid < $before AND e.kind = 'message' AND e.deleted = 0
       AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = $viewer AND h.conv_id = e.conv_id AND h.seq = e.seq)
     ORDER BY s.rowid DESC LIMIT $limit`,
  );
  // Both subqueries walk the conversation's (conv_id, seq) index from the newest end or the read mark.
  const selectSummaries = q<ConversationSummaryRow>(
    `SELECT m.conv_id AS conv, m.read_seq AS read,
       coalesce((SELECT e.seq FROM events e WHERE e.conv_id = m.conv_id AND e.seq > m.joined_seq AND e.kind IN ('message', 'notice')
           AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = m.user_id AND h.conv_id = e.conv_id AND h.seq = e.seq)
         ORDER BY e.seq DESC LIMIT 1), 0) AS lastSeq,
       (SELECT count(*) FROM events e WHERE e.conv_id = m.conv_id AND e.seq > max(m.read_seq, m.joined_seq) AND e.kind = 'message'
           AND e.sender_id <> m.user_id AND e.deleted = 0
           AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = m.user_id AND h.conv_id = e.conv_id AND h.seq = e.seq)) AS unread
     FROM members m WHERE m.user_id = ?1`,
  );
  const selectReactions = q<Reaction>(
    `SELECT r.seq, r.emoji, ${SHOWN_NAME} AS user FROM reactions r JOIN users u ON u.id = r.user_id
     WHERE r.conv_id = ?1 AND r.seq IN (SELECT value FROM json_each(?2)) ORDER BY r.seq, u.name`,
  );
  const selectConversationsWith = q<{ conv: number }>(
    "SELECT e.conv_id AS conv FROM events e JOIN members m ON m.conv_id = e.conv_id AND m.user_id = ?1 WHERE e.client_id = ?2",
  );
  const insertHidden = q(
    `INSERT INTO hidden (user_id, conv_id, seq) SELECT ?1, conv_id, seq FROM events
     WHERE client_id = ?3 AND conv_id = ?2 AND kind = 'message' ON CONFLICT DO NOTHING`,
  );
  const insertHiddenSeq = q("INSERT INTO hidden (user_id, conv_id, seq) VALUES (?1, ?2, ?3)");
  const selectMessageExists = q<{ one: number }>("SELECT 1 AS one FROM events WHERE client_id = ?2 AND conv_id = ?1 AND kind = 'message'");
  const selectExpired = q<{ id: number; conv: number; seq: number; clientId: string; body: string }>(
    "SELECT id, conv_id AS conv, seq, client_id AS clientId, body FROM events WHERE expires_at <= ?1 AND deleted = 0",
  );
  const selectOldest = q<{ seq: number | null }>("SELECT min(seq) AS seq FROM events WHERE conv_id = ?1");
  const unindexOld = q(
    `INSERT INTO events_search (events_search, rowid, text)
     SELECT 'delete', id, body FROM events
     WHERE sent_at < ?1 AND kind = 'message' AND deleted = 0 AND id <= (SELECT indexed_to FROM search_state)`,
  );
  const dropOldReactions = q(
    "DELETE FROM reactions WHERE EXISTS (SELECT 1 FROM events e WHERE e.conv_id = reactions.conv_id AND e.seq = reactions.seq AND e.sent_at < ?1)",
  );
  const dropOldHidden = q(
    "DELETE FROM hidden WHERE EXISTS (SELECT 1 FROM events e WHERE e.conv_id = hidden.conv_id AND e.seq = hidden.seq AND e.sent_at < ?1)",
  );
  const deleteOld = q("DELETE FROM events WHERE sent_at < ?1");

  /** Removes a message's text (`body`, as indexed), its edits' texts, its reactions and its words in the search index. */
  function scrub(message: { id: number; seq: number; body: string }, conv: ConversationId, clientId: string): void {
    unindex(message.id, message.body);
    scrubMessage.run(message.id);
    scrubEdits.run(conv, clientId);
    dropReactions.run(conv, message.seq);
  }

  /** What an allowed event does to the message it targets, in the same transaction. */
  function applyEffects(event: NewEvent, target: TargetRow | null, conversation: ConversationState): void {
    switch (event.kind) {
      case "edit":
        if (target!.id <= selectIndexedTo.get()!.indexedTo) {
          unindexRow.run(target!.id, target!.body);
          indexText.run(target!.id, event.text);
        }
        updateText.run(target!.id, event.text, event.sentAt);
        return;
      case "delete":
        return scrub(target!, event.conv, event.target);
      case "reaction":
        if (event.emoji === null) dropReaction.run(event.conv, target!.seq, event.senderId);
        else upsertReaction.run(event.conv, target!.seq, event.senderId, event.emoji);
        return;
      case "notice":
        if (event.notice.change === "timer") {
          conversation.timerSeconds = event.notice.seconds ?? 0;
          updateTimer.run(event.conv, conversation.timerSeconds);
        }
        return;
      case "message":
        return;
    }
  }

  return {
    async appendEvents(batch: NewEvent[], policy: EventPolicy): Promise<AppendResult[]> {
      // Each conversation's state and each sender's marks are read once per batch and written
      // back once: per event only the id check, the insert and its effects remain.
      return inWriteTransaction(db, () => {
        const conversations = new Map<ConversationId, ConversationState>();
        const senders = new Map<string, SenderState | null>();
        const results = batch.map((event): AppendResult => {
          const original = selectByClientId.get(event.clientId, event.conv);
          if (original) {
            if (original.senderId !== event.senderId) {
              return { ok: false, reason: "refused", code: "id_taken", message: `Another message of this conversation has the id '${event.clientId}'; send it with a new id.` };
            }
            return { ok: true, seq: original.seq, sentAt: original.sentAt, duplicate: true, expiresAt: original.expiresAt, quote: null };
          }
          const key = `${event.conv}:${event.senderId}`;
          let sender = senders.get(key);
          if (sender === undefined) {
            const row = selectSenderState.get(event.conv, event.senderId);
            sender = row && { conv: event.conv, userId: event.senderId, delivered: row.delivered, read: row.read, isAdmin: row.role === "admin", moved: false };
            senders.set(key, sender);
          }
          if (!sender) return { ok: false, reason: "not_member" };
          let conversation = conversations.get(event.conv);
          if (!conversation) conversations.set(event.conv, (conversation = selectConversationState.get(event.conv)!));
          const targetId = targetOf(event);
          const target = targetId === undefined ? null : selectTarget.get(targetId, event.conv);
          const refusal = judgeEvent(
            event,
            target && { ...target, deleted: target.deleted === 1 },
            { userId: event.senderId, isAdmin: sender.isAdmin, conversationKind: conversation.kind },
            event.sentAt,
            policy,
          );
          if (refusal) return { ok: false, reason: "refused", ...refusal };
          const seq = ++conversation.lastSeq;
          const expiresAt = event.kind === "message" && conversation.timerSeconds > 0 ? event.sentAt + conversation.timerSeconds * 1000 : null;
          insertEvent.run(event.conv, seq, event.senderId, event.clientId, event.kind, encodeBody(event), targetId ?? null, event.sentAt, expiresAt, attachmentIdOf(event));
          if (event.hiddenFrom !== undefined) insertHiddenSeq.run(event.hiddenFrom, event.conv, seq);
          applyEffects(event, target, conversation);
          raiseOwnMarks(sender, seq);
          const quote =
            event.kind === "message" && target ? { id: targetId!, from: target.sender, text: quoteOf(target.body), deleted: target.deleted === 1 } : null;
          return { ok: true, seq, sentAt: event.sentAt, duplicate: false, expiresAt, quote };
        });
        for (const [conv, { lastSeq }] of conversations) updateLastSeq.run(conv, lastSeq);
        for (const marks of senders.values()) if (marks?.moved) updateOwnMarks.run(marks.conv, marks.userId, marks.delivered, marks.read);
        return results;
      });
    },

    async eventsAfter(conv: ConversationId, after: number, limit: number, viewer: UserId): Promise<StoredEvent[]> {
      return selectAfter.all({ conv, after, limit, viewer }).map(toEvent);
    },

    async timelineBefore(conv: ConversationId, before: number | null, limit: number, viewer: UserId): Promise<StoredEvent[]> {
      return selectTimeline.all({ conv, before: before ?? Number.MAX_SAFE_INTEGER, limit, viewer }).map(toEvent);
    },

    async conversationSummariesOf(userId: UserId): Promise<ConversationSummaryRow[]> {
      return selectSummaries.all(userId);
    },

    async reactionsTo(conv: ConversationId, seqs: number[]): Promise<Reaction[]> {
      if (seqs.length === 0) return [];
      return selectReactions.all(conv, JSON.stringify(seqs));
    },

    async conversationsWithEvent(userId: UserId, clientId: string): Promise<ConversationId[]> {
      return selectConversationsWith.all(userId, clientId).map((row) => row.conv);
    },

    async hideEvent(userId: UserId, conv: ConversationId, clientId: string): Promise<boolean> {
      if (!selectMessageExists.get(conv, clientId)) return false;
      insertHidden.run(userId, conv, clientId);
      return true;
    },

    async searchMessages(userId: UserId, words: string[], before: number | null, limit: number) {
      const rows = selectSearch.all({ match: matchExpression(words), before: before ?? Number.MAX_SAFE_INTEGER, limit, viewer: userId });
      return { events: rows.map(toEvent), next: rows.length === limit ? rows.at(-1)!.id : null };
    },

    async expireEvents(now: number): Promise<number> {
      return inWriteTransaction(db, () => {
        const expired = selectExpired.all(now);
        for (const row of expired) scrub(row, row.conv, row.clientId);
        return expired.length;
      });
    },

    async indexForSearch(limit: number): Promise<number> {
      return inWriteTransaction(db, () => {
        const rows = selectUnindexed.all(selectIndexedTo.get()!.indexedTo, limit);
        // Each message is indexed as it stands now: edited text, and nothing of what was deleted.
        for (const row of rows) if (row.kind === "message" && row.deleted === 0) indexText.run(row.id, row.body);
        if (rows.length > 0) updateIndexedTo.run(rows.at(-1)!.id);
        return rows.length;
      });
    },

    async oldestSeq(conv: ConversationId): Promise<number | null> {
      return selectOldest.get(conv)?.seq ?? null;
    },

    async deleteEventsBefore(cutoff: number): Promise<number> {
      return inWriteTransaction(db, () => {
        unindexOld.run(cutoff);
        dropOldReactions.run(cutoff);
        dropOldHidden.run(cutoff);
        return deleteOld.run(cutoff).changes;
      });
    },
  };
}
