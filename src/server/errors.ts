import { ChatError, type ErrorBody, type ErrorCode } from "../protocol/index.ts";
import { storeUnavailable } from "../store/unavailable.ts";
import type { Logger } from "./log.ts";

/** HTTP status for each error code. */
export const HTTP_STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503> = {
  bad_request: 400,
  frame_too_large: 413,
  text_too_long: 413,
  unauthorized: 401,
  wrong_password: 401,
  name_taken: 409,
  registration_closed: 403,
  invite_invalid: 403,
  unknown_user: 404,
  account_deactivated: 403,
  blocked: 403,
  account_deleted: 404,
  unknown_conversation: 404,
  not_member: 403,
  unknown_message: 404,
  id_taken: 409,
  forbidden: 403,
  attachment_too_large: 413,
  unknown_attachment: 404,
  upload_conflict: 409,
  not_found: 404,
  limit_reached: 403,
  rate_limited: 429,
  store_unavailable: 503,
  cursor_expired: 409,
  not_ready: 400,
  internal: 500,
};

/**
 * Any thrown value as a ChatError. A store that cannot be used now (PostgreSQL
 * down, a full disk) becomes `store_unavailable` with a Retry-After and a
 * warning naming the condition; anything else unexpected is logged as an
 * error and becomes `internal`.
 */
export function asChatError(error: unknown, log: Logger): ChatError {
  if (error instanceof ChatError) return error;
  const unavailable = storeUnavailable(error);
  if (unavailable) {
    log.warn("store unavailable; answered store_unavailable", { error: error instanceof Error ? error.message : String(error) });
    return unavailable;
  }
  log.error("unexpected error", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return new ChatError("internal", "Something went wrong on the server; it has been logged.");
}

/** The JSON body and headers of an HTTP error answer: `Retry-After` (whole seconds) when the error says when to retry. */
export function errorAnswer(chatError: ChatError): { body: ErrorBody; status: (typeof HTTP_STATUS)[ErrorCode]; headers: Record<string, string> } {
  return {
    body: { error: { code: chatError.code, message: chatError.message, ...(chatError.retryAfterMs ? { retryAfterMs: chatError.retryAfterMs } : {}) } },
    status: HTTP_STATUS[chatError.code],
    headers: chatError.retryAfterMs === undefined ? {} : { "Retry-After": String(Math.ceil(chatError.retryAfterMs / 1000)) },
  };
}
