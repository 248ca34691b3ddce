import { SQL } from "bun";
import type { ByteRange } from "../../domain/attachments.ts";
import { isUniqueViolation } from "../postgres/retry.ts";
import { BlobOffsetMismatch, BlobTooLarge, type BlobStore } from "./blob-store.ts";

/** Bytes per row: large enough that a 100 MB file is 400 rows, small enough that a read holds little. */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Blobs as rows of `attachment_chunks` (migration 008), so every server serves every attachment.
 * Each row holds up to CHUNK_BYTES at its offset in the blob; rows are consecutive. Writing keeps at
 * most one chunk in memory, reading one chunk per query. Sealing needs no move: the store's
 * upload row says when a blob is complete.
 */
export function postgresBlobStore(url: string, schema: string): BlobStore {
  // A pool of its own, small: uploads and downloads then never hold up the connections messages use.
  const sql = new SQL(url, { connection: { search_path: schema }, max: 4, connectionTimeout: 5 });

  const lengthOf = async (id: string): Promise<number> => {
    const [row] = await sql<{ length: string }[]>`
      SELECT coalesce(max(start + length(data)), 0)::bigint AS length FROM attachment_chunks WHERE attachment_id = ${id}`;
    return Number(row!.length);
  };

  /** The bytes from `range.start` to `range.end`, one row per pull. */
  const chunks = (id: string, range: ByteRange): ReadableStream<Uint8Array> => {
    let position = range.start;
    let first = true;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (position >= range.end) return controller.close();
        // The first row is the one holding `start`; after it, rows follow one another exactly.
        const [row] = first
          ? await sql<{ start: string; data: Uint8Array }[]>`
              SELECT start, data FROM attachment_chunks WHERE attachment_id = ${id} AND start <= ${position} ORDER BY start DESC LIMIT 1`
          : await sql<{ start: string; data: Uint8Array }[]>`
              SELECT start, data FROM attachment_chunks WHERE attachment_id = ${id} AND start = ${position}`;
        first = false;
        if (!row) return controller.error(new Error(`attachment ${id} has no bytes at ${position}`));
        const start = Number(row.start);
        const piece = row.data.subarray(position - start, Math.min(row.data.length, range.end - start));
        position += piece.length;
        controller.enqueue(piece);
      },
    });
  };

  return {
    length: lengthOf,

    async append(id: string, offset: number, body: AsyncIterable<Uint8Array>, end: number): Promise<number> {
      let length = await lengthOf(id);
      if (length !== offset) throw new BlobOffsetMismatch(`${length} bytes are stored, not ${offset}`);
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const data = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        try {
          await sql`INSERT INTO attachment_chunks (attachment_id, start, data) VALUES (${id}, ${length}, ${data})`;
        } catch (error) {
          // Another server's request stored bytes at this place first (a retry while the broken one still ran).
          if (isUniqueViolation(error, "attachment_chunks_pkey")) throw new BlobOffsetMismatch(`bytes at ${length} were stored by another request`);
          throw error;
        }
        length += data.length;
      };
      try {
        for await (let chunk of body) {
          if (length + pendingBytes + chunk.length > end) throw new BlobTooLarge(`more than ${end} bytes`);
          while (pendingBytes + chunk.length >= CHUNK_BYTES) {
            const room = CHUNK_BYTES - pendingBytes;
            pending.push(chunk.subarray(0, room));
            pendingBytes += room;
            chunk = chunk.subarray(room);
            await flush();
          }
          if (chunk.length > 0) {
            pending.push(chunk);
            pendingBytes += chunk.length;
          }
        }
      } catch (error) {
        // A body that broke off keeps what arrived; one that went too far is deleted by the caller.
        if (!(error instanceof BlobTooLarge)) await flush();
        throw error;
      }
      await flush();
      return length;
    },

    // Each chunk was committed as it was written.
    async seal(): Promise<void> {},

    read: chunks,

    async delete(id: string): Promise<void> {
      await sql`DELETE FROM attachment_chunks WHERE attachment_id = ${id}`;
    },

    async close(): Promise<void> {
      await sql.close();
    },
  };
}
