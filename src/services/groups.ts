import { ChatError, type GroupInfo, type GroupList, type MessageReceipts } from "../protocol/index.ts";
import { groupTopic } from "../domain/delivery.ts";
import type { Group, GroupMember } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import type { Directory } from "./directory.ts";
import type { Fanout } from "./fanout.ts";
import type { Messaging } from "./messaging.ts";
import type { PresenceService } from "./presence.ts";

export interface GroupLimits {
  maxMembers: number;
  maxGroupsPerUser: number;
}

/** Group lifecycle and permissions: admins change the group, members read it, anyone can leave. Each change is a notice in the group's stream. */
export class Groups {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly messaging: Messaging,
    private readonly presence: PresenceService,
    private readonly limits: GroupLimits,
    private readonly now: () => number = Date.now,
  ) {}

  async create(actor: Actor, name: string, memberNames: string[]): Promise<GroupInfo> {
    const others = [...new Set(memberNames)].filter((member) => member !== actor.name);
    this.checkSize(others.length + 1);
    const users = await Promise.all(others.map((member) => this.directory.user(member)));
    await this.checkRoomFor([{ id: actor.userId, name: actor.name }, ...users]);
    const group = await this.store.createGroup(name, actor.userId, users.map((user) => user.id), this.now());
    if (!group) throw new ChatError("name_taken", `There is already a group named '${name}'.`);
    const members = await this.store.groupMembers(group.conv);
    for (const member of members) this.fanout.join(member.userId, groupTopic(group.conv));
    await this.messaging.groupNotice(actor, group, { change: "created" });
    await this.introduce({ userId: actor.userId, name: actor.name }, members);
    return infoOf(group, members);
  }

  /** The groups the actor is in. */
  async list(actor: Actor): Promise<GroupList> {
    const memberships = await this.store.membershipsOf(actor.userId);
    const groups = await Promise.all(
      memberships
        .filter((membership) => membership.kind === "group")
        .map(async (membership) => {
          const members = await this.store.groupMembers(membership.conv);
          const role = members.find((member) => member.userId === actor.userId)?.role ?? "member";
          return { name: membership.title, conv: membership.conv, role };
        }),
    );
    return { groups: groups.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async info(actor: Actor, name: string): Promise<GroupInfo> {
    const { group, members } = await this.asMember(actor, name);
    return infoOf(group, members);
  }

  async add(actor: Actor, name: string, userName: string): Promise<GroupInfo> {
    const { group, members } = await this.asAdmin(actor, name);
    this.checkSize(members.length + 1);
    const user = await this.directory.user(userName);
    await this.checkRoomFor([user]);
    if (!(await this.store.addGroupMember(group.conv, user.id))) {
      throw new ChatError("bad_request", `${user.name} is already in #${group.name}.`);
    }
    this.fanout.join(user.id, groupTopic(group.conv));
    const updated = await this.store.groupMembers(group.conv);
    await this.messaging.groupNotice(actor, group, { change: "added", user: user.name });
    await this.introduce({ userId: user.id, name: user.name }, updated);
    return infoOf(group, updated);
  }

  /** Removes `userName`: an admin may remove anyone, anyone may remove themselves (leave). */
  async remove(actor: Actor, name: string, userName: string): Promise<void> {
    const leaving = userName === actor.name;
    const { group, members } = leaving ? await this.asMember(actor, name) : await this.asAdmin(actor, name);
    const target = members.find((member) => member.name === userName);
    if (!target) throw new ChatError("not_member", `${userName} is not in #${group.name}.`);
    // Stored and sent while the member is still in: the last thing of the group their devices get.
    await this.messaging.groupNotice(actor, group, { change: leaving ? "left" : "removed", user: target.name });
    await this.store.removeGroupMember(group.conv, target.userId);
    this.fanout.leave(target.userId, groupTopic(group.conv));
    if (leaving && target.role === "admin") await this.keepAnAdmin(group, members.filter((member) => member.userId !== target.userId));
  }

  async promote(actor: Actor, name: string, userName: string): Promise<GroupInfo> {
    const { group, members } = await this.asAdmin(actor, name);
    const target = members.find((member) => member.name === userName);
    if (!target) throw new ChatError("not_member", `${userName} is not in #${group.name}.`);
    await this.store.setGroupRole(group.conv, target.userId, "admin");
    const updated = await this.store.groupMembers(group.conv);
    await this.messaging.groupNotice(actor, group, { change: "promoted", user: target.name });
    return infoOf(group, updated);
  }

  async rename(actor: Actor, name: string, newName: string): Promise<GroupInfo> {
    const { group, members } = await this.asAdmin(actor, name);
    if (!(await this.store.renameGroup(group.conv, newName))) {
      throw new ChatError("name_taken", `There is already a group named '${newName}'.`);
    }
    const renamed = { conv: group.conv, name: newName };
    await this.messaging.groupNotice(actor, renamed, { change: "renamed", previousName: group.name });
    return infoOf(renamed, members);
  }

  /** Who has message `seq` of the group, by name: "read by 2 of 4". */
  async receipts(actor: Actor, name: string, seq: number): Promise<MessageReceipts> {
    const { group } = await this.asMember(actor, name);
    const [message] = await this.store.eventsAfter(group.conv, seq - 1, 1, actor.userId);
    if (!message || message.seq !== seq || message.body.kind !== "message") throw new ChatError("not_found", `#${group.name} has no message ${seq}.`);
    const others = (await this.store.membersOf(group.conv)).filter((member) => member.userId !== message.senderId);
    return {
      seq,
      members: others.length,
      deliveredTo: others.filter((member) => member.delivered >= seq).map((member) => member.name),
      readBy: others.filter((member) => member.read >= seq).map((member) => member.name),
    };
  }

  private async asMember(actor: Actor, name: string): Promise<{ group: Group; members: GroupMember[] }> {
    const group = await this.store.groupByName(name);
    // A non-member learns nothing, not even whether the group exists.
    const members = group ? await this.store.groupMembers(group.conv) : [];
    if (!group || !members.some((member) => member.userId === actor.userId)) {
      throw new ChatError("not_member", `You are not in a group named '${name}'.`);
    }
    return { group, members };
  }

  private async asAdmin(actor: Actor, name: string): Promise<{ group: Group; members: GroupMember[] }> {
    const found = await this.asMember(actor, name);
    if (found.members.find((member) => member.userId === actor.userId)?.role !== "admin") {
      throw new ChatError("forbidden", `Only admins of #${found.group.name} can do that.`);
    }
    return found;
  }

  /** A group whose last admin left gets its longest-standing member as admin, so it stays manageable. */
  private async keepAnAdmin(group: Group, remaining: GroupMember[]): Promise<void> {
    if (remaining.length === 0 || remaining.some((member) => member.role === "admin")) return;
    const heir = [...remaining].sort((a, b) => a.userId - b.userId)[0]!;
    await this.store.setGroupRole(group.conv, heir.userId, "admin");
  }

  /** Presence is a courtesy: a registry that cannot answer must not fail the group change. */
  private async introduce(newcomer: { userId: number; name: string }, members: GroupMember[]): Promise<void> {
    await this.presence.introduce(newcomer, members.map((member) => member.userId)).catch(() => {});
  }

  /** Refuses when any of these users is already in as many groups as one may be. */
  private async checkRoomFor(users: Array<{ id: number; name: string }>): Promise<void> {
    for (const user of users) {
      const groups = (await this.store.membershipsOf(user.id)).filter((membership) => membership.kind === "group").length;
      if (groups >= this.limits.maxGroupsPerUser) {
        throw new ChatError("limit_reached", `${user.name} is already in ${groups} groups, the most one user may be in (${this.limits.maxGroupsPerUser}).`);
      }
    }
  }

  private checkSize(size: number): void {
    if (size > this.limits.maxMembers) {
      throw new ChatError("limit_reached", `A group has at most ${this.limits.maxMembers} members.`);
    }
  }
}

function infoOf(group: Group, members: GroupMember[]): GroupInfo {
  return { name: group.name, conv: group.conv, members: members.map((member) => ({ name: member.name, role: member.role })) };
}

