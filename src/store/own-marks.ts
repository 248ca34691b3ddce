import type { ConversationId, UserId } from "../domain/types.ts";

/** A sender's own marks and role in one conversation, carried through one append batch. */
export interface SenderState {
  conv: ConversationId;
  userId: UserId;
  delivered: number;
  read: number;
  isAdmin: boolean;
  moved: boolean;
}

/**
 * Your own event counts as delivered to and read by you, but only where your marks had reached
 * the event before it: a mark must never jump over others' events your devices have not had.
 */
export function raiseOwnMarks(marks: SenderState, seq: number): void {
  if (marks.delivered === seq - 1) marks.delivered = seq;
  if (marks.read === seq - 1) marks.read = seq;
  marks.moved ||= marks.delivered === seq || marks.read === seq;
}
