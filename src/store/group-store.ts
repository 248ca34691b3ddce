import type { ConversationId, Group, GroupMember, Role, UserId } from "../domain/types.ts";

/** Groups: names, members and roles. Their notices are events of the conversation log. */
export interface GroupStore {
  /** Creates the group with the creator as admin and the others as members; null when the name is taken. */
  createGroup(name: string, creator: UserId, members: UserId[], now: number): Promise<Group | null>;
  groupByName(name: string): Promise<Group | null>;
  groupMembers(conv: ConversationId): Promise<GroupMember[]>;
  /** Adds a member who sees messages from now on; false when already a member. */
  addGroupMember(conv: ConversationId, userId: UserId): Promise<boolean>;
  /** Removes a member and their place in the stream; false when not a member. */
  removeGroupMember(conv: ConversationId, userId: UserId): Promise<boolean>;
  setGroupRole(conv: ConversationId, userId: UserId, role: Role): Promise<boolean>;
  /** False when another group has the new name. */
  renameGroup(conv: ConversationId, name: string): Promise<boolean>;
}
