import { ChatError, type GroupInfo, type GroupInviteList, type GroupList, type MessageReceipts } from "../protocol/index.ts";
import { groupTopic, userTopic } from "../domain/delivery.ts";
import type { Group, GroupMember, User } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import type { Directory } from "./directory.ts";
import type { Fanout } from "./fanout.ts";
import type { Messaging } from "./messaging.ts";
import type { Contacts } from "./contacts.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export interface GroupLimits {
  maxMembers: number;
  maxGroupsPerUser: number;
  /** Group creations plus people added, per user; absent: not limited. */
  adds?: RateLimiter;
}

/** Group lifecycle and permissions: admins change the group, members read it, anyone can leave. Each change is a notice in the group's stream. */
export class Groups {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly messaging: Messaging,
    private readonly contacts: Pick<Contacts, "areContacts" | "hasBlocked">,
    private readonly limits: GroupLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates the group with the actor as admin. Those whose `groupAdds` setting does not let the actor add them
   * get an invitation instead (listed in `invited`).
   */
  async create(actor: Actor, name: string, memberNames: string[]): Promise<GroupInfo> {
    const others = [...new Set(memberNames)].filter((member) => member !== actor.name);
    this.checkSize(others.length + 1);
    const users = await Promise.all(others.map((member) => this.directory.user(member)));
    await this.takeAdds(actor, users.length + 1);
    const { direct, invited } = await this.sortByConsent(actor, users);
    await this.checkRoomFor([{ id: actor.userId, name: actor.name }, ...direct]);
    const group = await this.store.createGroup(name, actor.userId, direct.map((user) => user.id), this.now());
    if (!group) throw new ChatError("name_taken", `There is already a group named '${name}'.`);
    const members = await this.store.groupMembers(group.conv);
    for (const member of members) this.fanout.join(member.userId, groupTopic(group.conv));
    await this.messaging.groupNotice(actor, group, { change: "created" });
    for (const user of invited) await this.invite(actor, group, user);
    return infoOf(group, members, invited);
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

  /** Adds `userName`, or invites them when their `groupAdds` setting does not let the actor add them. */
  async add(actor: Actor, name: string, userName: string): Promise<GroupInfo> {
    const { group, members } = await this.asAdmin(actor, name);
    this.checkSize(members.length + 1);
    const user = await this.directory.user(userName);
    if (members.some((member) => member.userId === user.id)) throw new ChatError("bad_request", `${user.name} is already in #${group.name}.`);
    await this.takeAdds(actor, 1);
    const { direct } = await this.sortByConsent(actor, [user]);
    if (direct.length === 0) {
      await this.invite(actor, group, user);
      return infoOf(group, members, [user]);
    }
    return this.join(actor, group, user);
  }

  /** The invitations the actor has not answered. */
  async invites(actor: Actor): Promise<GroupInviteList> {
    const invites = await this.store.groupInvitesOf(actor.userId);
    return { invites: invites.map((invite) => ({ group: invite.group, from: invite.inviter, at: invite.at })) };
  }

  /** Joins a group the actor was invited to; the group hears that they joined, and at whose invitation. */
  async accept(actor: Actor, name: string): Promise<GroupInfo> {
    const group = await this.store.groupByName(name);
    // A full group leaves the invitation in place: it can be accepted once there is room.
    if (group) this.checkSize((await this.store.groupMembers(group.conv)).length + 1);
    const inviterId = group ? await this.store.takeGroupInvite(group.conv, actor.userId) : null;
    if (!group || inviterId === null) throw new ChatError("not_found", `You have no invitation to #${name}.`);
    const inviter = await this.store.userById(inviterId);
    return this.join(actor, group, { id: actor.userId, name: actor.name }, inviter?.name);
  }

  /** Declines an invitation; the inviter is not told. */
  async decline(actor: Actor, name: string): Promise<void> {
    const group = await this.store.groupByName(name);
    if (!group || (await this.store.takeGroupInvite(group.conv, actor.userId)) === null) {
      throw new ChatError("not_found", `You have no invitation to #${name}.`);
    }
  }

  /** Puts `user` in the group, with a notice from `actor`: "added", or "joined" for someone accepting an invitation. */
  private async join(actor: Actor, group: Group, user: Pick<User, "id" | "name">, invitedBy?: string): Promise<GroupInfo> {
    await this.checkRoomFor([user]);
    if (!(await this.store.addGroupMember(group.conv, user.id))) {
      throw new ChatError("bad_request", `${user.name} is already in #${group.name}.`);
    }
    this.fanout.join(user.id, groupTopic(group.conv));
    const updated = await this.store.groupMembers(group.conv);
    const notice = invitedBy === undefined ? ({ change: "added", user: user.name } as const) : ({ change: "joined", user: invitedBy } as const);
    await this.messaging.groupNotice(actor, group, notice);
    return infoOf(group, updated);
  }

  /**
   * Splits the people the actor wants in a group into those who let the actor add them (their `groupAdds`:
   * everyone, or contacts and the two are contacts) and those who get an invitation instead.
   */
  private async sortByConsent(actor: Actor, users: User[]): Promise<{ direct: User[]; invited: User[] }> {
    const direct: User[] = [];
    const invited: User[] = [];
    for (const user of users) {
      const { groupAdds } = await this.store.privacyOf(user.id);
      const allowed = groupAdds === "everyone" || (groupAdds === "contacts" && (await this.contacts.areContacts(actor.userId, user.id)));
      (allowed && !(await this.contacts.hasBlocked(user.id, actor.userId)) ? direct : invited).push(user);
    }
    return { direct, invited };
  }

  /** Invites `user` to the group; someone who blocked the actor gets nothing, and the actor cannot tell. */
  private async invite(actor: Actor, group: Group, user: User): Promise<void> {
    if (await this.contacts.hasBlocked(user.id, actor.userId)) return;
    const at = this.now();
    if (!(await this.store.inviteToGroup(group.conv, user.id, actor.userId, at))) return;
    this.fanout.publish(userTopic(user.id), JSON.stringify({ type: "group_invite", group: group.name, from: actor.name, at }));
  }

  /** Takes `count` from the actor's budget of group creations and adds, so nobody can pull someone into groups by the hundred. */
  private async takeAdds(actor: Actor, count: number): Promise<void> {
    if (!this.limits.adds) return;
    for (let taken = 0; taken < count; taken++) {
      const waitMs = await this.limits.adds.take(`group-adds:${actor.userId}`);
      if (waitMs > 0) {
        throw new ChatError("rate_limited", `You are creating groups and adding people too fast: wait ${Math.ceil(waitMs / 1000)} s, then try again.`, waitMs);
      }
    }
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

function infoOf(group: Group, members: GroupMember[], invited: Array<Pick<User, "name">> = []): GroupInfo {
  return {
    name: group.name,
    conv: group.conv,
    members: members.map((member) => ({ name: member.name, role: member.role })),
    ...(invited.length > 0 ? { invited: invited.map((user) => user.name) } : {}),
  };
}

