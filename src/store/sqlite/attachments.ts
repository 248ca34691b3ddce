import type { Database } from "bun:sqlite";
import type { UserId } from "../../domain/types.ts";
import type { AttachmentStore, Upload } from "../attachment-store.ts";

const UPLOAD_COLUMNS =
  "a.id, a.owner_id AS ownerId, a.name, a.size, a.preview, a.created_at AS createdAt, a.sha256, a.type";

/** Uploads and attachments over SQLite; the bytes live in files beside the database (file-blobs.ts). */
export function sqliteAttachments(db: Database): AttachmentStore {
  const q = <Row = unknown>(sql: string) => db.query<Row, any[]>(sql);
  const insertUpload = q(
    "INSERT INTO attachments (id, owner_id, name, size, preview, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  );
  const selectUpload = q<Upload>(`SELECT ${UPLOAD_COLUMNS} FROM attachments a WHERE a.id = ?1`);
  const updateFinished = q("UPDATE attachments SET sha256 = ?2, type = ?3 WHERE id = ?1");
  const deleteUnsent = q(
    "DELETE FROM attachments WHERE id = ?1 AND owner_id = ?2 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.attachment_id = ?1)",
  );
  const selectVisible = q<Upload>(
    `SELECT ${UPLOAD_COLUMNS} FROM attachments a WHERE a.id = ?1 AND a.sha256 IS NOT NULL AND (a.owner_id = ?2 OR EXISTS (
       SELECT 1 FROM events e JOIN members m ON m.conv_id = e.conv_id AND m.user_id = ?2
       WHERE e.attachment_id = a.id AND e.deleted = 0))`,
  );
  const deleteReleased = q<{ id: string }>(
    `DELETE FROM attachments AS a
     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.attachment_id = a.id AND e.deleted = 0)
       AND (a.created_at < ?1 OR EXISTS (SELECT 1 FROM events e WHERE e.attachment_id = a.id))
     RETURNING id`,
  );

  return {
    async createUpload(upload: Upload): Promise<void> {
      insertUpload.run(upload.id, upload.ownerId, upload.name, upload.size, upload.preview, upload.createdAt);
    },
    async upload(id: string): Promise<Upload | null> {
      return selectUpload.get(id) ?? null;
    },
    async finishUpload(id: string, sha256: string, type: string): Promise<void> {
      updateFinished.run(id, sha256, type);
    },
    async deleteUnsentUpload(id: string, ownerId: UserId): Promise<boolean> {
      return deleteUnsent.run(id, ownerId).changes > 0;
    },
    async attachmentFor(userId: UserId, id: string): Promise<Upload | null> {
      return selectVisible.get(id, userId) ?? null;
    },
    async releaseAttachments(unsentBefore: number): Promise<string[]> {
      return deleteReleased.all(unsentBefore).map((row) => row.id);
    },
  };
}
