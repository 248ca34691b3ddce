import { z } from "zod";
import { AttachmentId, AttachmentInfo } from "./events.ts";
import { FreeText } from "./names.ts";

/**
 * Uploads: the bytes of an attachment go up over HTTP before the message that sends it, in one
 * request or several (resumable): `POST /api/uploads` starts one with its size, each
 * `PATCH /api/uploads/{id}` adds bytes at `Upload-Offset`, `GET /api/uploads/{id}` says how many
 * arrived (after a broken connection, go on from there). The request that brings the last byte
 * finishes it: the answer carries the attachment, ready for a `send`.
 */

/** Longest preview accepted, as a `data:` URL: a 320 px JPEG or WebP fits well under it. */
export const MAX_PREVIEW_CHARS = 16 * 1024;

export const NewUpload = z
  .object({
    name: FreeText.pipe(
      z
        .string()
        .trim()
        .min(1, { message: "a file name cannot be empty" })
        .max(255, { message: "a file name has at most 255 characters" })
        .refine((name) => !/[/\\\u0000-\u001f]/.test(name), { message: "a file name has no slashes or control characters" }),
    ).meta({ description: "the file's name, without directories; shown to the receivers and offered when saving" }),
    size: z.number().int().positive({ message: "an empty file cannot be sent" }).meta({ description: "the file's size in bytes: at least 1, at most `--max-attachment-bytes`" }),
    preview: z
      .string()
      .max(MAX_PREVIEW_CHARS, { message: `a preview has at most ${MAX_PREVIEW_CHARS} characters` })
      .regex(/^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/, { message: "a preview is a data:image/(jpeg|png|webp);base64 URL" })
      .optional()
      .meta({ description: "for an image, a small version of it (a few KB `data:` URL) sent with the message so receivers see it at once" }),
  })
  .meta({
    description: "Body of `POST /api/uploads`.",
    examples: [{ name: "report.pdf", size: 2_100_000 }],
  });
export type NewUpload = z.infer<typeof NewUpload>;

export const UploadStatus = z
  .object({
    id: AttachmentId,
    offset: z.number().int().nonnegative().meta({ description: "bytes stored so far: the next `PATCH` starts here" }),
    size: z.number().int().nonnegative().meta({ description: "the size the upload was started with" }),
    attachment: AttachmentInfo.optional().meta({ description: "once every byte arrived: the attachment to name in `send`" }),
  })
  .meta({
    description: "Where an upload stands. Answer to `POST /api/uploads` (201), `PATCH` and `GET /api/uploads/{id}`.",
    examples: [
      { id: "Gk3v0zq8QW2pXb7yLm1sTA", offset: 1048576, size: 2100000 },
      {
        id: "Gk3v0zq8QW2pXb7yLm1sTA",
        offset: 2100000,
        size: 2100000,
        attachment: { id: "Gk3v0zq8QW2pXb7yLm1sTA", name: "report.pdf", size: 2100000, type: "application/pdf", sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
      },
    ],
  });
export type UploadStatus = z.infer<typeof UploadStatus>;

export const UploadParams = z.object({ id: AttachmentId });
