import type { Hono } from "hono";
import { contentDisposition, isInlineType, parseRange } from "../domain/attachments.ts";
import { ChatError, ROUTES } from "../protocol/index.ts";
import type { Actor } from "../services/accounts.ts";
import type { Attachments } from "../services/attachments.ts";
import { bodyBytes } from "./request-body.ts";
import { handle } from "./route-table.ts";

/**
 * Served with every attachment's bytes: nothing in them runs, whatever they are. A file that is no
 * image, audio or video is downloaded (`attachment`), never shown in the app's origin.
 */
const DOWNLOAD_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
  "Accept-Ranges": "bytes",
  // The bytes under an id never change; only the people who may fetch them do, and they alone have them.
  "Cache-Control": "private, max-age=31536000, immutable",
};

/** An empty body for a PATCH that came without one. */
async function* nothing(): AsyncIterable<Uint8Array> {}

/** Uploads (start, add bytes, ask where one stands, cancel) and downloads, on the authenticated API app. */
export function attachmentRoutes<E extends { Variables: { actor: Actor } }>(app: Hono<E>, attachments: Attachments): void {
  handle(app, "/api", ROUTES.createUpload, async (c) => c.json(await attachments.start(c.get("actor"), c.req.valid("json")), 201));
  handle(app, "/api", ROUTES.uploadStatus, async (c) => c.json(await attachments.status(c.get("actor"), c.req.valid("param").id)));
  handle(app, "/api", ROUTES.appendUpload, async (c) => {
    const offset = c.req.header("upload-offset");
    if (offset === undefined || !/^\d{1,15}$/.test(offset)) {
      throw new ChatError("bad_request", "Say where these bytes go with 'Upload-Offset: <bytes stored so far>' (see GET /api/uploads/{id}).");
    }
    const body = c.req.raw.body ? bodyBytes(c.req.raw.body) : nothing();
    return c.json(await attachments.append(c.get("actor"), c.req.valid("param").id, Number(offset), body));
  });
  handle(app, "/api", ROUTES.cancelUpload, async (c) => {
    await attachments.cancel(c.get("actor"), c.req.valid("param").id);
    return c.body(null, 204);
  });

  handle(app, "/api", ROUTES.attachment, async (c) => {
    const { attachment, read } = await attachments.download(c.get("actor"), c.req.valid("param").id);
    const etag = `"${attachment.sha256}"`;
    const headers: Record<string, string> = {
      ...DOWNLOAD_HEADERS,
      ETag: etag,
      "Content-Type": attachment.type,
      "Content-Disposition": contentDisposition(isInlineType(attachment.type) ? "inline" : "attachment", attachment.name),
    };
    if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
    const range = parseRange(c.req.header("range"), attachment.size);
    if (range === "unsatisfiable") {
      return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${attachment.size}` } });
    }
    const part = range ?? { start: 0, end: attachment.size };
    headers["Content-Length"] = String(part.end - part.start);
    if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end - 1}/${attachment.size}`;
    return new Response(read(part), { status: range ? 206 : 200, headers });
  });
}
