/** Uploads and attachments over PostgreSQL (see AttachmentStore); their bytes are in postgres-blobs.ts. */
import type { SQL } from "bun";
import type { UserId } from "../../domain/types.ts";
import type { Upload } from "../attachment-store.ts";
import { storableText } from "./storable-text.ts";

type Int8 = string;

interface UploadRow {
  id: string;
  owner_id: Int8;
  name: string;
  size: Int8;
  preview: string | null;
  created_at: Int8;
  sha256: string | null;
  type: string | null;
}

const toUpload = (row: UploadRow): Upload => ({
  id: row.id,
  ownerId: Number(row.owner_id),
  name: row.name,
  size: Number(row.size),
  preview: row.preview,
  createdAt: Number(row.created_at),
  sha256: row.sha256,
  type: row.type,
});

export async function createUpload(sql: SQL, upload: Upload): Promise<void> {
  await sql`
    INSERT INTO attachments (id, owner_id, name, size, preview, created_at)
    VALUES (${upload.id}, ${upload.ownerId}, ${storableText(upload.name)}, ${upload.size}, ${upload.preview}, ${upload.createdAt})`;
}

export async function upload(sql: SQL, id: string): Promise<Upload | null> {
  const [row] = await sql<UploadRow[]>`SELECT * FROM attachments WHERE id = ${id}`;
  return row ? toUpload(row) : null;
}

export async function finishUpload(sql: SQL, id: string, sha256: string, type: string): Promise<void> {
  await sql`UPDATE attachments SET sha256 = ${sha256}, type = ${type} WHERE id = ${id}`;
}

export async function deleteUnsentUpload(sql: SQL, id: string, ownerId: UserId): Promise<boolean> {
  const rows = await sql`
    DELETE FROM attachments a WHERE a.id = ${id} AND a.owner_id = ${ownerId}
      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.attachment_id = a.id)
    RETURNING a.id`;
  return rows.length > 0;
}

export async function attachmentFor(sql: SQL, userId: UserId, id: string): Promise<Upload | null> {
  const [row] = await sql<UploadRow[]>`
    SELECT a.* FROM attachments a
    WHERE a.id = ${id} AND a.sha256 IS NOT NULL AND (a.owner_id = ${userId} OR EXISTS (
      SELECT 1 FROM events e JOIN members m ON m.conv_id = e.conv_id AND m.user_id = ${userId}
      WHERE e.attachment_id = a.id AND NOT e.deleted))`;
  return row ? toUpload(row) : null;
}

export async function releaseAttachments(sql: SQL, unsentBefore: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    DELETE FROM attachments a
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.attachment_id = a.id AND NOT e.deleted)
      AND (a.created_at < ${unsentBefore} OR EXISTS (SELECT 1 FROM events e WHERE e.attachment_id = a.id))
    RETURNING a.id`;
  return rows.map((row) => row.id);
}
