import { SHOWN_NAME } from "../shown-name.ts";
import type { SQL, TransactionSQL } from "bun";
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
} from "../../domain/events.ts";
import type { ConversationId, ConversationKind, UserId } from "../../domain/types.ts";
import { appendPlainMessages, CLIENT_ID_INDEX, hasSharedIds, idTaken, isPlainMessage, type PlainMessage } from "./append-plain-messages.ts";
import { scrubMessages } from "./scrub.ts";
import { isUniqueViolation, retryOnConflict } from "./retry.ts";
import { storableText } from "./storable-text.ts";
import { raiseOwnMarks, type SenderState } from "../own-marks.ts";

/**
 * Stores a batch of events. Plain messages, the bulk of the traffic, go in one statement;
 * a batch holding anything else (a reply, an attachment, an edit, delete, reaction, notice, or a message hidden
 * from a recipient who blocked its sender) is stored event by
 * event in one transaction, each judged against its target as the batch's earlier events left it.
 */
export function appendEvents(sql: SQL, batch: NewEvent[], policy: EventPolicy): Promise<AppendResult[]> {
  if (batch.length === 0) return Promise.resolve([]);
  if (batch.every(isPlainMessage) && !hasSharedIds(batch)) return appendPlainMessages(sql, batch as PlainMessage[]);
  // Another server may store the same retry between this one's check and its insert only before
  // the conversation rows are locked; a rerun after that unique violation sees its copy.
  return retryOnConflict(
    () => sql.begin((tx) => appendOneByOne(tx, batch, policy)),
    (error) => isUniqueViolation(error, CLIENT_ID_INDEX),
  );
}

type Int8 = string;

interface ConversationState {
  kind: ConversationKind;
  lastSeq: number;
  timerSeconds: number;
  changed: boolean;
}

/** An event stored already: a retry's original, or the message an action refers to. */
interface StoredRow {
  client_id: string;
  seq: Int8;
  sender_id: Int8;
  sender: string;
  kind: EventKind;
  body: string;
  sent_at: Int8;
  deleted: boolean;
  expires_at: Int8 | null;
}

async function appendOneByOne(tx: TransactionSQL, batch: NewEvent[], policy: EventPolicy): Promise<AppendResult[]> {
  // Conversation rows first, in id order, then member rows in (conv, user) order, as the
  // one-statement append and saveDelivered take them: writers on every server queue, never deadlock.
  // Every later statement sees what writers before this one committed to these conversations.
  const convIds = [...new Set(batch.map((event) => event.conv))].sort((a, b) => a - b);
  const conversationRows = await tx<{ id: Int8; kind: ConversationKind; last_seq: Int8; timer_seconds: Int8 }[]>`
    SELECT id, kind, last_seq, timer_seconds FROM conversations
    WHERE id = ANY(${convIds}::bigint[]) ORDER BY id FOR NO KEY UPDATE`;
  const conversations = new Map<ConversationId, ConversationState>(
    conversationRows.map((row) => [
      Number(row.id),
      { kind: row.kind, lastSeq: Number(row.last_seq), timerSeconds: Number(row.timer_seconds), changed: false },
    ]),
  );

  const pairs = [...new Map(batch.map((event) => [`${event.conv}:${event.senderId}`, event])).values()];
  const memberRows = await tx<{ conv_id: Int8; user_id: Int8; delivered: Int8; read: Int8; role: string }[]>`
    SELECT m.conv_id, m.user_id, m.delivered, m.read, m.role
    FROM members m JOIN unnest(${pairs.map((e) => e.conv)}::bigint[], ${pairs.map((e) => e.senderId)}::bigint[]) AS s(conv_id, user_id)
      ON m.conv_id = s.conv_id AND m.user_id = s.user_id
    ORDER BY m.conv_id, m.user_id FOR NO KEY UPDATE OF m`;
  const senders = new Map<string, SenderState>(
    memberRows.map((row) => [
      `${row.conv_id}:${row.user_id}`,
      {
        conv: Number(row.conv_id),
        userId: Number(row.user_id),
        delivered: Number(row.delivered),
        read: Number(row.read),
        isAdmin: row.role === "admin",
        moved: false,
      },
    ]),
  );

  const results: AppendResult[] = [];
  for (const event of batch) {
    const targetId = targetOf(event);
    const found = await tx<StoredRow[]>`
      SELECT e.client_id, e.seq, e.sender_id, ${tx.unsafe(SHOWN_NAME)} AS sender, e.kind, e.body, e.sent_at, e.deleted, e.expires_at
      FROM events e JOIN users u ON u.id = e.sender_id
      WHERE e.conv_id = ${event.conv} AND e.client_id = ANY(${targetId === undefined ? [event.clientId] : [event.clientId, targetId]}::text[])`;
    const original = found.find((row) => row.client_id === event.clientId);
    if (original) {
      results.push(
        Number(original.sender_id) !== event.senderId
          ? idTaken(event.clientId)
          : {
              ok: true,
              seq: Number(original.seq),
              sentAt: Number(original.sent_at),
              duplicate: true,
              expiresAt: original.expires_at === null ? null : Number(original.expires_at),
              quote: null,
            },
      );
      continue;
    }
    const sender = senders.get(`${event.conv}:${event.senderId}`);
    const conversation = conversations.get(event.conv);
    if (!sender || !conversation) {
      results.push({ ok: false, reason: "not_member" });
      continue;
    }
    const target = targetId === undefined ? null : (found.find((row) => row.client_id === targetId) ?? null);
    const refusal = judgeEvent(
      event,
      target && { seq: Number(target.seq), senderId: Number(target.sender_id), kind: target.kind, sentAt: Number(target.sent_at), deleted: target.deleted },
      { userId: event.senderId, isAdmin: sender.isAdmin, conversationKind: conversation.kind },
      event.sentAt,
      policy,
    );
    if (refusal) {
      results.push({ ok: false, reason: "refused", ...refusal });
      continue;
    }
    const seq = ++conversation.lastSeq;
    conversation.changed = true;
    const expiresAt = event.kind === "message" && conversation.timerSeconds > 0 ? event.sentAt + conversation.timerSeconds * 1000 : null;
    await tx`
      INSERT INTO events (conv_id, seq, sender_id, client_id, kind, body, ref_id, sent_at, expires_at, attachment_id)
      VALUES (${event.conv}, ${seq}, ${event.senderId}, ${event.clientId}, ${event.kind}, ${storableText(encodeBody(event))},
              ${targetId ?? null}, ${event.sentAt}, ${expiresAt}, ${attachmentIdOf(event)})`;
    if (event.hiddenFrom !== undefined) await tx`INSERT INTO hidden (user_id, conv_id, seq) VALUES (${event.hiddenFrom}, ${event.conv}, ${seq})`;
    await applyEffects(tx, event, target === null ? null : Number(target.seq), conversation);
    raiseOwnMarks(sender, seq);
    const quote =
      event.kind === "message" && target ? { id: targetId!, from: target.sender, text: quoteOf(target.body), deleted: target.deleted } : null;
    results.push({ ok: true, seq, sentAt: event.sentAt, duplicate: false, expiresAt, quote });
  }

  for (const [conv, state] of conversations) {
    if (!state.changed) continue;
    await tx`UPDATE conversations SET last_seq = ${state.lastSeq}, timer_seconds = ${state.timerSeconds} WHERE id = ${conv}`;
  }
  for (const marks of senders.values()) {
    if (!marks.moved) continue;
    await tx`UPDATE members SET delivered = ${marks.delivered}, read = ${marks.read} WHERE conv_id = ${marks.conv} AND user_id = ${marks.userId}`;
  }
  return results;
}

/** What an allowed event does to the message it targets (at `targetSeq`), in the same transaction. */
async function applyEffects(tx: TransactionSQL, event: NewEvent, targetSeq: number | null, conversation: ConversationState): Promise<void> {
  switch (event.kind) {
    case "edit":
      await tx`UPDATE events SET body = ${storableText(event.text)}, edited_at = ${event.sentAt} WHERE conv_id = ${event.conv} AND seq = ${targetSeq!}`;
      return;
    case "delete":
      await scrubMessages(tx, event.conv, [targetSeq!]);
      return;
    case "reaction":
      if (event.emoji === null) {
        await tx`DELETE FROM reactions WHERE conv_id = ${event.conv} AND seq = ${targetSeq!} AND user_id = ${event.senderId}`;
      } else {
        await tx`
          INSERT INTO reactions (conv_id, seq, user_id, emoji) VALUES (${event.conv}, ${targetSeq!}, ${event.senderId}, ${storableText(event.emoji)})
          ON CONFLICT (conv_id, seq, user_id) DO UPDATE SET emoji = EXCLUDED.emoji`;
      }
      return;
    case "notice":
      if (event.notice.change === "timer") conversation.timerSeconds = event.notice.seconds ?? 0;
      return;
    case "message":
      return;
  }
}
