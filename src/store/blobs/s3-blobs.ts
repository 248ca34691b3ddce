import { S3Client } from "bun";
import type { ByteRange } from "../../domain/attachments.ts";
import { BlobOffsetMismatch, BlobTooLarge, type BlobStore } from "./blob-store.ts";

/** Offsets in part names are padded so that a listing's order is the bytes' order. */
const OFFSET_DIGITS = 15;
/**
 * Bytes gathered into one object: a piece of a blob goes up whole (one PUT), and is counted once it is
 * there, so an upload that breaks off loses at most what had not gone up, and memory holds one piece.
 */
const PIECE_BYTES = 256 * 1024;

/** `s3://bucket/prefix`, as `--attachments` takes it. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | null {
  const match = url.match(/^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/);
  if (!match) return null;
  const prefix = (match[2] ?? "").replace(/\/*$/, "");
  return { bucket: match[1]!, prefix: prefix === "" ? "" : `${prefix}/` };
}

/** The usual variables, S3_* first, then AWS_*: read when the store opens, so a process sets them first. */
function s3Credentials(env: NodeJS.ProcessEnv): Record<string, string> {
  const fields = { accessKeyId: "ACCESS_KEY_ID", secretAccessKey: "SECRET_ACCESS_KEY", sessionToken: "SESSION_TOKEN", region: "REGION", endpoint: "ENDPOINT" };
  const found: Record<string, string> = {};
  for (const [field, suffix] of Object.entries(fields)) {
    const value = env[`S3_${suffix}`] ?? env[`AWS_${suffix}`];
    if (value) found[field] = value;
  }
  return found;
}

/**
 * Blobs in an S3-compatible bucket, through Bun's S3 client (credentials, region and endpoint from the
 * usual S3_* or AWS_* variables). Objects cannot grow, so a blob is pieces of PIECE_BYTES, each an
 * object `<prefix><id>/<offset>`, in order. An append that breaks off keeps what arrived, as an upload
 * may go on from any offset.
 */
export function s3BlobStore(url: string, client?: S3Client): BlobStore {
  const place = parseS3Url(url);
  if (!place) throw new Error(`${url} is not an s3://bucket/prefix address`);
  const s3 = client ?? new S3Client({ bucket: place.bucket, ...s3Credentials(process.env) });
  const folder = (id: string) => `${place.prefix}${id}/`;

  /** The blob's parts, in order, each with where it starts. */
  const partsOf = async (id: string): Promise<Array<{ key: string; start: number; size: number }>> => {
    const parts: Array<{ key: string; start: number; size: number }> = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await s3.list({ prefix: folder(id), ...(startAfter ? { startAfter } : {}) });
      for (const object of page.contents ?? []) parts.push({ key: object.key, start: Number(object.key.slice(folder(id).length)), size: object.size ?? 0 });
      if (!page.isTruncated || !page.contents?.length) return parts.sort((a, b) => a.start - b.start);
      startAfter = page.contents.at(-1)!.key;
    }
  };
  const lengthOf = (parts: Array<{ start: number; size: number }>) => parts.reduce((total, part) => Math.max(total, part.start + part.size), 0);

  return {
    async length(id: string): Promise<number> {
      return lengthOf(await partsOf(id));
    },

    async append(id: string, offset: number, body: AsyncIterable<Uint8Array>, end: number): Promise<number> {
      let length = lengthOf(await partsOf(id));
      if (length !== offset) throw new BlobOffsetMismatch(`${length} bytes are stored, not ${offset}`);
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const piece = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await s3.write(`${folder(id)}${String(length).padStart(OFFSET_DIGITS, "0")}`, piece);
        length += piece.length;
      };
      try {
        for await (const chunk of body) {
          if (length + pendingBytes + chunk.length > end) throw new BlobTooLarge(`more than ${end} bytes`);
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= PIECE_BYTES) await flush();
        }
      } finally {
        // What arrived is kept (a refused body is deleted by the caller), for the upload to go on from there.
        await flush();
      }
      return length;
    },

    async seal(): Promise<void> {
      // Every part was complete in the bucket once its append returned: nothing more makes it durable.
    },

    read(id: string, range: ByteRange): ReadableStream<Uint8Array> {
      return new ReadableStream<Uint8Array>({
        async start(controller) {
          try {
            for (const part of await partsOf(id)) {
              const from = Math.max(range.start, part.start);
              const to = Math.min(range.end, part.start + part.size);
              if (from >= to) continue;
              for await (const chunk of s3.file(part.key).slice(from - part.start, to - part.start).stream()) controller.enqueue(chunk);
            }
            controller.close();
          } catch (error) {
            controller.error(error);
          }
        },
      });
    },

    async delete(id: string): Promise<void> {
      await Promise.all((await partsOf(id)).map((part) => s3.delete(part.key)));
    },

    async close(): Promise<void> {},
  };
}
