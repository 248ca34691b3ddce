import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ChatError } from "../protocol/index.ts";

/** Larger request bodies are refused (413), except an upload's bytes (held to `--max-attachment-bytes`). */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** A body that broke off (its client went away) is the client's doing, not a server error. */
export function isBrokenBody(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export const bodyBrokeOff = () => new ChatError("bad_request", "The request's body broke off before its end.");

/** The bytes of a body; one that breaks off is answered as a bad request. */
export async function* bodyBytes(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw isBrokenBody(error) ? bodyBrokeOff() : error;
  }
}

const limit = bodyLimit({
  maxSize: MAX_REQUEST_BODY_BYTES,
  onError: () => {
    throw new ChatError("frame_too_large", `A request body has at most ${MAX_REQUEST_BODY_BYTES} bytes.`);
  },
});

/** Holds every body but an upload's bytes to MAX_REQUEST_BODY_BYTES, counted as they arrive. */
export const limitRequestBodies: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "PATCH" && c.req.path.startsWith("/api/uploads/")) return next();
  try {
    await limit(c, next);
  } catch (error) {
    throw isBrokenBody(error) ? bodyBrokeOff() : error;
  }
};
