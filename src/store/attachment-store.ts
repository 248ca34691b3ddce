import type { Attachment } from "../domain/attachments.ts";
import type { UserId } from "../domain/types.ts";

/** An upload as the store keeps it: the attachment-to-be, finished once `sha256` and `type` are set. */
export interface Upload {
  id: string;
  ownerId: UserId;
  name: string;
  /** The size it was started with. */
  size: number;
  preview: string | null;
  createdAt: number;
  /** Set when every byte arrived. */
  sha256: string | null;
  type: string | null;
}

/** What a finished upload is, as a message carries it. */
export function attachmentOf(upload: Upload & { sha256: string; type: string }): Attachment {
  const attachment: Attachment = { id: upload.id, name: upload.name, size: upload.size, type: upload.type, sha256: upload.sha256 };
  if (upload.preview !== null) attachment.preview = upload.preview;
  return attachment;
}

/**
 * What is known of attachments beside their bytes (a BlobStore keeps those): uploads, who owns
 * them, and which messages carry them (the events' `attachment_id`).
 */
export interface AttachmentStore {
  createUpload(upload: Upload): Promise<void>;
  upload(id: string): Promise<Upload | null>;
  finishUpload(id: string, sha256: string, type: string): Promise<void>;
  /** Forgets an upload that no message carries; false when there is none, or a message carries it. */
  deleteUnsentUpload(id: string, ownerId: UserId): Promise<boolean>;
  /** The finished attachment, when `userId` uploaded it or is in a conversation where a message that was not deleted carries it. */
  attachmentFor(userId: UserId, id: string): Promise<Upload | null>;
  /**
   * Forgets attachments no message carries any more: uploads started before `unsentBefore` that were
   * never sent, and those whose every message was deleted for everyone or expired (or removed by
   * retention). Returns their ids, for their bytes to be removed.
   */
  releaseAttachments(unsentBefore: number): Promise<string[]>;
}
