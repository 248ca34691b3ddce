import type { ConversationId, ConversationKind, ConversationMarks, UserId } from "../domain/types.ts";

/** One member of one conversation, as the drivers read them for `conversationMarksOf`. */
export interface MemberMarksRow {
  conv: ConversationId;
  kind: ConversationKind;
  name: string | null;
  userId: UserId;
  memberName: string;
  delivered: number;
  read: number;
  sharesReadReceipts: boolean;
}

/** Rows ordered by conversation become one entry per conversation, members in row order. */
export function groupByConversation(rows: MemberMarksRow[]): ConversationMarks[] {
  const conversations: ConversationMarks[] = [];
  for (const row of rows) {
    let current = conversations.at(-1);
    if (current?.conv !== row.conv) {
      current = { conv: row.conv, kind: row.kind, name: row.name, members: [] };
      conversations.push(current);
    }
    current.members.push({ userId: row.userId, name: row.memberName, delivered: row.delivered, read: row.read, sharesReadReceipts: row.sharesReadReceipts });
  }
  return conversations;
}
