/**
 * Every error the server sends carries one of these codes and a human sentence.
 * `retryable` says whether the same request may succeed later unchanged; clients
 * use it to decide between retrying (outbox) and showing the error.
 */
export const ERROR_CODES = {
  bad_request: { retryable: false, meaning: "The request or frame is not valid JSON of the documented shape." },
  frame_too_large: { retryable: false, meaning: "The frame is larger than the server accepts." },
  text_too_long: { retryable: false, meaning: "The message text is longer than the server accepts." },
  unauthorized: { retryable: false, meaning: "No valid session token: log in again." },
  wrong_password: { retryable: false, meaning: "The name and password do not match." },
  name_taken: { retryable: false, meaning: "Another account already has that name." },
  registration_closed: { retryable: false, meaning: "This server does not register new accounts (--registration closed): ask its operator." },
  invite_invalid: {
    retryable: false,
    meaning: "This server registers by invitation only (--registration invite) and the request carried no invite code, or one that is unknown, used up or expired.",
  },
  unknown_user: { retryable: false, meaning: "No account has that name." },
  account_deactivated: {
    retryable: false,
    meaning: "The account was deactivated by the server's operator (`chat-server admin deactivate`): it cannot log in, send, or be written to.",
  },
  blocked: { retryable: false, meaning: "You blocked that user: unblock them (`DELETE /api/blocks/:name`) to write to them or add them." },
  account_deleted: {
    retryable: false,
    meaning:
      "The account was deleted (by its owner, or `chat-server admin delete-user`): nothing can be sent to it, and its own devices are logged out. Its name may be registered again after the server's --name-reuse-days.",
  },
  unknown_conversation: { retryable: false, meaning: "The conversation does not exist or is not yours." },
  not_member: {
    retryable: false,
    meaning: "You are not a member of that group, or no group has that name: an outsider cannot tell which.",
  },
  unknown_message: { retryable: false, meaning: "No message with that id is in that conversation (or in any of yours)." },
  id_taken: { retryable: false, meaning: "Another member already used that id in this conversation: send again with a fresh id." },
  forbidden: {
    retryable: false,
    meaning: "You may not do that (only admins may change a group; only the author may edit, within the edit window; a deleted message cannot be edited).",
  },
  attachment_too_large: { retryable: false, meaning: "The upload is larger than the server accepts (`--max-attachment-bytes`) or than the size it was started with." },
  unknown_attachment: { retryable: false, meaning: "No upload or attachment with that id is yours to use or in a conversation of yours (or it was finished, cancelled or removed)." },
  upload_conflict: { retryable: false, meaning: "The upload's bytes are not where the request says (`Upload-Offset`), or another request is adding to it: ask `GET /api/uploads/{id}` where to go on." },
  not_found: { retryable: false, meaning: "Nothing is at that path." },
  limit_reached: { retryable: false, meaning: "A cap was reached (devices, groups, members); the sentence names it." },
  rate_limited: { retryable: true, meaning: "Too many requests; wait `retryAfterMs` and try again." },
  store_unavailable: {
    retryable: true,
    meaning: "The store could not be reached or written (a database down, a full disk); nothing was stored. Retry with the same id (after `retryAfterMs` when given).",
  },
  cursor_expired: { retryable: false, meaning: "Messages after your cursor were deleted by retention; fetch history instead." },
  not_ready: { retryable: false, meaning: "Send `hello` before other frames." },
  internal: { retryable: true, meaning: "An unexpected server error; it was logged." },
} as const satisfies Record<string, { retryable: boolean; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** An error with a stable code and a sentence for people; thrown by the domain, rendered by the server. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ChatError";
  }
}
