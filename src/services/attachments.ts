import {
  formatSize,
  PREVIEW_TYPES,
  sniffType,
  UNSENT_UPLOAD_LIFETIME_MS,
  type Attachment,
  type ByteRange,
} from "../domain/attachments.ts";
import { ChatError, type NewUpload, type UploadStatus } from "../protocol/index.ts";
import { attachmentOf, type AttachmentStore, type Upload } from "../store/attachment-store.ts";
import { BlobOffsetMismatch, BlobTooLarge, Digest, type BlobStore } from "../store/blobs/blob-store.ts";
import type { Actor } from "./accounts.ts";
import type { ReportProblem } from "./problems.ts";

export interface AttachmentSettings {
  /** The largest file accepted, in bytes (`--max-attachment-bytes`). */
  maxBytes: number;
}

/** How often attachments nobody can reach any more (unsent for a day, their messages expired or removed by retention) lose their bytes. */
const RELEASE_EVERY_MS = 60 * 1000;
/** How soon after a message was deleted for everyone its attachment's bytes go: a few deletes share one sweep. */
const RELEASE_AFTER_DELETE_MS = 200;

type Finished = Upload & { sha256: string; type: string };
const isFinished = (upload: Upload): upload is Finished => upload.sha256 !== null && upload.type !== null;

/** The same sentence whether the upload does not exist or is someone else's: a stranger learns nothing. */
const unknownUpload = (id: string) => new ChatError("unknown_attachment", `You have no upload '${id}' (it may have been cancelled, refused or removed after a day unsent).`);

/**
 * Attachments: uploads (started, added to in as many requests as it takes, finished when the last
 * byte arrives), what a message sends, who may fetch the bytes, and removing bytes nobody can
 * reach any more. The server counts, hashes and types the bytes itself; the uploader's word is
 * taken only for the name and the size it promises.
 */
export class Attachments {
  /** Uploads a request is adding to on this server: a second request at once is refused, not interleaved. */
  private readonly writing = new Set<string>();
  /**
   * The SHA-256 of the bytes each upload received here so far, computed as they passed: an upload
   * sent in one go (or resumed on this server) is not read back to hash it. Missing after a restart
   * or when another server took a piece; then the finished file is read once.
   */
  private readonly digests = new Map<string, Digest>();
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;
  private sweep: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: AttachmentStore,
    private readonly blobs: BlobStore,
    private readonly settings: AttachmentSettings,
    private readonly reportProblem: ReportProblem,
    private readonly now: () => number = Date.now,
  ) {}

  async start(actor: Actor, request: NewUpload): Promise<UploadStatus> {
    if (request.size > this.settings.maxBytes) {
      throw new ChatError(
        "attachment_too_large",
        `A file may have at most ${formatSize(this.settings.maxBytes)} (${this.settings.maxBytes} bytes); this one has ${request.size} bytes.`,
      );
    }
    if (request.preview !== undefined) checkPreview(request.preview);
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    await this.store.createUpload({
      id,
      ownerId: actor.userId,
      name: request.name,
      size: request.size,
      preview: request.preview ?? null,
      createdAt: this.now(),
      sha256: null,
      type: null,
    });
    return { id, offset: 0, size: request.size };
  }

  async status(actor: Actor, id: string): Promise<UploadStatus> {
    return this.statusOf(await this.ownUpload(actor, id));
  }

  /**
   * Adds `body` to the upload at `offset`, streamed. The request that brings the last byte
   * finishes it; a byte past its size removes it, so nothing of a refused upload stays behind.
   */
  async append(actor: Actor, id: string, offset: number, body: AsyncIterable<Uint8Array>): Promise<UploadStatus> {
    const upload = await this.ownUpload(actor, id);
    if (isFinished(upload)) throw new ChatError("upload_conflict", `Upload '${id}' is finished already: send it.`);
    if (this.writing.has(id)) throw new ChatError("upload_conflict", `Another request is adding to upload '${id}' now.`);
    this.writing.add(id);
    const digest = offset === 0 ? new Digest() : this.digests.get(id);
    if (digest?.length === offset) this.digests.set(id, digest);
    else this.digests.delete(id);
    let length: number;
    try {
      length = await this.blobs.append(id, offset, digest?.length === offset ? feeding(body, digest) : body, upload.size);
    } catch (error) {
      if (error instanceof BlobTooLarge) {
        await this.discard(upload);
        throw new ChatError("attachment_too_large", `Upload '${id}' was started with ${upload.size} bytes and more arrived; it was removed.`);
      }
      if (error instanceof BlobOffsetMismatch) {
        throw new ChatError("upload_conflict", `Upload '${id}' goes on at byte ${await this.blobs.length(id)}, not ${offset}.`);
      }
      throw error;
    } finally {
      this.writing.delete(id);
    }
    if (length < upload.size) return { id, offset: length, size: upload.size };
    await this.blobs.seal(id);
    const known = this.digests.get(id);
    this.digests.delete(id);
    const sealed = known?.length === upload.size ? known.result() : await Digest.of(this.blobs.read(id, { start: 0, end: upload.size }));
    const finished: Finished = { ...upload, sha256: sealed.sha256, type: sniffType(sealed.head) };
    await this.store.finishUpload(id, finished.sha256, finished.type);
    return this.statusOf(finished);
  }

  /** Cancels an upload no message has sent, and removes its bytes. */
  async cancel(actor: Actor, id: string): Promise<void> {
    if (!(await this.store.deleteUnsentUpload(id, actor.userId))) throw unknownUpload(id);
    this.digests.delete(id);
    await this.blobs.delete(id);
  }

  /** What a message sending upload `id` carries: a finished upload of the sender's own. */
  async forSend(actor: Actor, id: string): Promise<Attachment> {
    const upload = await this.store.upload(id);
    if (!upload || upload.ownerId !== actor.userId || !isFinished(upload)) {
      throw new ChatError("unknown_attachment", `You have no finished upload '${id}' to send: upload every byte first.`);
    }
    return attachmentOf(upload);
  }

  /** The attachment and a reader of its bytes, for its uploader and the members of a conversation it was sent in. */
  async download(actor: Actor, id: string): Promise<{ attachment: Attachment; read(range: ByteRange): ReadableStream<Uint8Array> }> {
    const upload = await this.store.attachmentFor(actor.userId, id);
    if (!upload || !isFinished(upload)) throw new ChatError("unknown_attachment", `None of your conversations has an attachment '${id}'.`);
    return { attachment: attachmentOf(upload), read: (range) => this.blobs.read(id, range) };
  }

  /** Removes the bytes of attachments nobody can reach any more: unsent after a day, or every message carrying them gone. */
  async release(): Promise<number> {
    const ids = await this.store.releaseAttachments(this.now() - UNSENT_UPLOAD_LIFETIME_MS);
    for (const id of ids) {
      this.digests.delete(id);
      await this.blobs.delete(id);
    }
    return ids.length;
  }

  /** A message was deleted for everyone: its attachment's bytes go shortly, unless another message still carries them. */
  messageDeleted(): void {
    this.releaseTimer ??= setTimeout(() => {
      this.releaseTimer = undefined;
      this.releaseOrReport();
    }, RELEASE_AFTER_DELETE_MS);
  }

  /** Runs `release` now and every minute, beside the store's sweeps (whose expiries and retention it follows up). */
  startSweep(): void {
    this.releaseOrReport();
    this.sweep = setInterval(() => this.releaseOrReport(), RELEASE_EVERY_MS);
    this.sweep.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    clearTimeout(this.releaseTimer);
    await this.blobs.close();
  }

  private releaseOrReport(): void {
    this.release().catch((error) => this.reportProblem("removing attachments nobody can reach failed", error));
  }

  private async ownUpload(actor: Actor, id: string): Promise<Upload> {
    const upload = await this.store.upload(id);
    if (!upload || upload.ownerId !== actor.userId) throw unknownUpload(id);
    return upload;
  }

  private async statusOf(upload: Upload): Promise<UploadStatus> {
    if (isFinished(upload)) return { id: upload.id, offset: upload.size, size: upload.size, attachment: attachmentOf(upload) };
    return { id: upload.id, offset: await this.blobs.length(upload.id), size: upload.size };
  }

  private async discard(upload: Upload): Promise<void> {
    this.digests.delete(upload.id);
    await this.store.deleteUnsentUpload(upload.id, upload.ownerId);
    await this.blobs.delete(upload.id);
  }
}

/** The body's chunks, each fed to `digest` as the store takes it. */
async function* feeding(body: AsyncIterable<Uint8Array>, digest: Digest): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    digest.update(chunk);
    yield chunk;
  }
}

/** A preview must be the small image it claims to be, judged by its bytes as files are. */
function checkPreview(preview: string): void {
  const bytes = Buffer.from(preview.slice(preview.indexOf(",") + 1), "base64");
  if (!PREVIEW_TYPES.has(sniffType(bytes))) {
    throw new ChatError("bad_request", "Invalid body: preview: its bytes are not a JPEG, PNG or WebP image.");
  }
}
