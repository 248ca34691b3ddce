import { mkdirSync } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ByteRange } from "../../domain/attachments.ts";
import { BlobOffsetMismatch, BlobTooLarge, type BlobStore } from "./blob-store.ts";

/** Bytes gathered before a write: a few large writes rather than one per network packet. */
const WRITE_BYTES = 1024 * 1024;

/** The directory of the attachments' files, under the data directory. */
export const ATTACHMENTS_DIR = "attachments";

/**
 * Blobs as files under `dataDir/attachments`. A blob being written is `partial/<id>`, fsynced after
 * each append; sealing renames it to `<id>`, so a file under its final name is always whole.
 * Ids are checked by the caller (the protocol's AttachmentId: letters, digits, `-` and `_`).
 */
export function fileBlobStore(dataDir: string): BlobStore {
  const finished = join(dataDir, ATTACHMENTS_DIR);
  const partial = join(finished, "partial");
  mkdirSync(partial, { recursive: true });
  const partialPath = (id: string) => join(partial, id);
  const finalPath = (id: string) => join(finished, id);

  const lengthOf = async (path: string) => {
    try {
      return (await stat(path)).size;
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return 0;
      throw error;
    }
  };

  return {
    async length(id: string): Promise<number> {
      return (await lengthOf(partialPath(id))) || lengthOf(finalPath(id));
    },

    async append(id: string, offset: number, body: AsyncIterable<Uint8Array>, end: number): Promise<number> {
      const file = await open(partialPath(id), "a");
      try {
        let length = (await file.stat()).size;
        if (length !== offset) throw new BlobOffsetMismatch(`${length} bytes are stored, not ${offset}`);
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        const flush = async () => {
          if (pendingBytes === 0) return;
          const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
          await file.write(data);
          length += data.length;
        };
        try {
          for await (const chunk of body) {
            if (length + pendingBytes + chunk.length > end) throw new BlobTooLarge(`more than ${end} bytes`);
            pending.push(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes >= WRITE_BYTES) await flush();
          }
        } finally {
          // What arrived is kept (a refused body is deleted by the caller), and stays counted after a
          // crash, for the upload to go on from there.
          await flush();
          await file.sync();
        }
        return length;
      } finally {
        await file.close();
      }
    },

    async seal(id: string): Promise<void> {
      await rename(partialPath(id), finalPath(id));
      // The rename itself survives a crash once the directory is synced (the bytes were at each append).
      const directory = await open(finished, "r");
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
    },

    read(id: string, range: ByteRange): ReadableStream<Uint8Array> {
      return Bun.file(finalPath(id)).slice(range.start, range.end).stream();
    },

    async delete(id: string): Promise<void> {
      await Promise.all([rm(partialPath(id), { force: true }), rm(finalPath(id), { force: true })]);
    },

    async close(): Promise<void> {},
  };
}
