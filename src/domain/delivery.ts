import type { MessageStatus } from "../protocol/index.ts";
import type { Membership, Watermarks } from "./types.ts";

/**
 * Where a device resumes in a conversation: after what it says it processed,
 * what the server saw it acknowledge, and never before the member joined.
 */
export function resumeCursor(membership: Membership, serverCursor: number | undefined, clientCursor: number | undefined): number {
  return Math.max(membership.joinedSeq, serverCursor ?? 0, clientCursor ?? 0);
}

/** A message's tick as its recipient's watermarks say. */
export function statusOf(seq: number, recipient: Pick<Watermarks, "delivered" | "read"> | undefined): MessageStatus {
  if (!recipient) return "sent";
  if (recipient.read >= seq) return "read";
  if (recipient.delivered >= seq) return "delivered";
  return "sent";
}

/** Topic of every device of one user: direct messages, receipts and notices for them. */
export function userTopic(userId: number): string {
  return `u${userId}`;
}

/** Topic of every device of every member of a group. */
export function groupTopic(conv: number): string {
  return `g${conv}`;
}
