import { ChatError, type AttachmentInfo } from "../../protocol/index.ts";
import type { ChatApi } from "./api.ts";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import { ServerUnreachableError } from "./errors.ts";

/** Bytes per request: progress is told after each, and a broken connection costs at most one piece. */
export const UPLOAD_PIECE_BYTES = 4 * 1024 * 1024;
/** Broken pieces in a row after which an upload gives up (its bytes stay on the server for a day). */
const MAX_RETRIES = 5;

export interface UploadOptions {
  /** The file's name as receivers see it. */
  name: string;
  /** A small image of it (`data:image/…;base64,…`), for an image. */
  preview?: string;
  /** Told after each piece: bytes the server has, of `total`. */
  onProgress?(done: number, total: number): void;
  /** Cancels the upload; the server removes its bytes. */
  signal?: AbortSignal;
}

/**
 * Uploads a file (a `Bun.file`, a browser `File`) in pieces, going on where the server stopped after
 * a broken connection; the finished attachment, ready to name in a `send`.
 */
export async function uploadFile(api: ChatApi, token: string, file: Blob, options: UploadOptions): Promise<AttachmentInfo> {
  let status = await api.startUpload(token, { name: options.name, size: file.size, ...(options.preview ? { preview: options.preview } : {}) });
  let failures = 0;
  try {
    while (!status.attachment) {
      const piece = file.slice(status.offset, Math.min(file.size, status.offset + UPLOAD_PIECE_BYTES));
      try {
        status = await api.appendUpload(token, status.id, status.offset, piece, options.signal);
        failures = 0;
      } catch (error) {
        if (options.signal?.aborted || !mayGoOn(error) || ++failures > MAX_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures, DEFAULT_BACKOFF)));
        status = await api.uploadStatus(token, status.id);
      }
      options.onProgress?.(status.offset, file.size);
    }
  } catch (error) {
    if (options.signal?.aborted) await api.cancelUpload(token, status.id).catch(() => {});
    throw error;
  }
  return status.attachment;
}

/** A piece that failed for the network's sake, or because the server was still ending an earlier one: ask where to go on. */
function mayGoOn(error: unknown): boolean {
  return error instanceof ServerUnreachableError || (error instanceof ChatError && (error.code === "upload_conflict" || error.code === "store_unavailable"));
}
