import type { SQL } from "bun";
import type { ConversationId } from "../../domain/types.ts";

/**
 * Removes the text of these messages (delete for everyone, or their disappearing time come) and of
 * their edits, and their reactions; the search index drops them with their text. One statement,
 * seeing what earlier statements of the caller's transaction stored. Returns how many messages.
 */
export async function scrubMessages(sql: SQL, conv: ConversationId | ConversationId[], seqs: number[]): Promise<number> {
  const convs = Array.isArray(conv) ? conv : seqs.map(() => conv);
  const [row] = await sql<{ count: number }[]>`
    WITH target AS (
      SELECT * FROM unnest(${convs}::bigint[], ${seqs}::bigint[]) AS t(conv_id, seq)
    ), scrubbed AS (
      UPDATE events e SET body = '', deleted = true
      FROM target t WHERE e.conv_id = t.conv_id AND e.seq = t.seq AND e.kind = 'message'
      RETURNING e.conv_id, e.seq, e.client_id
    ), edits AS (
      UPDATE events e SET body = ''
      FROM scrubbed s WHERE e.conv_id = s.conv_id AND e.ref_id = s.client_id AND e.kind = 'edit'
    ), reactions AS (
      DELETE FROM reactions r USING scrubbed s WHERE r.conv_id = s.conv_id AND r.seq = s.seq
    )
    SELECT count(*)::int AS count FROM scrubbed`;
  return row!.count;
}
