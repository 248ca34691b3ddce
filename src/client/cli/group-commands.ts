import { z } from "zod";
import { type NoticeChange, type GroupInfo, type MessageReceipts, Name } from "../../protocol/index.ts";
import { argument, type Command, type CommandContext, UsageError } from "./command.ts";

/** A group name as people type it, with or without its `#`. */
export const GroupName = z.string().transform((text) => text.replace(/^#/, "")).pipe(Name);
const Seq = z.coerce.number().int().positive();
const A_GROUP = "a group name";
const A_USER = "a user name";
/** How far back `/group info <name>` looks for the user's latest message in the group. */
const OWN_MESSAGE_LOOKBACK = 200;

/** Creating, changing and inspecting groups: thin wrappers over `/api/groups…`, whose error sentences are reported as they are. */
export const GROUP_COMMANDS: Command[] = [
  {
    name: "groups",
    usage: "/groups",
    summary: "list the groups you are in",
    async run(context) {
      const { groups } = await context.api.groups(context.token);
      if (groups.length === 0) context.print("You are in no group yet; /group create <name> <member>… starts one.");
      for (const group of groups) context.print(group.role === "admin" ? `#${group.name} (admin)` : `#${group.name}`);
      return "continue";
    },
  },
  {
    name: "group create",
    usage: "/group create <name> <member>…",
    summary: "create a group with these members; you are its admin",
    async run(context, [nameText, ...memberTexts]) {
      const name = argument(GroupName, nameText, A_GROUP);
      const members = memberTexts.map((member) => argument(Name, member, A_USER));
      if (members.length === 0) throw new UsageError("Name at least one member besides you.");
      const info = await changing(context, ["created", name], () => context.api.createGroup(context.token, name, members));
      context.print(`Created ${membersLine(info)}`);
      if (info.invited) context.print(invitedLine(info.invited, info.name));
      return "continue";
    },
  },
  {
    name: "group add",
    usage: "/group add <name> <user>",
    summary: "add a member; admins only",
    async run(context, [nameText, userText]) {
      const name = argument(GroupName, nameText, A_GROUP);
      const user = argument(Name, userText, A_USER);
      const info = await changing(context, ["added", name, user], () => context.api.addGroupMember(context.token, name, user));
      context.print(info.invited ? invitedLine(info.invited, info.name) : `Added ${user} to #${info.name}.`);
      return "continue";
    },
  },
  {
    name: "group remove",
    usage: "/group remove <name> <user>",
    summary: "remove a member; admins only",
    async run(context, [nameText, userText]) {
      const name = argument(GroupName, nameText, A_GROUP);
      const user = argument(Name, userText, A_USER);
      if (user === context.me) return leave(context, name);
      await changing(context, ["removed", name, user], () => context.api.removeGroupMember(context.token, name, user));
      context.print(`Removed ${user} from #${name}.`);
      return "continue";
    },
  },
  {
    name: "group leave",
    usage: "/group leave <name>",
    summary: "leave a group",
    async run(context, [nameText]) {
      return leave(context, argument(GroupName, nameText, A_GROUP));
    },
  },
  {
    name: "group members",
    usage: "/group members <name>",
    summary: "list the members and admins",
    async run(context, [nameText]) {
      const name = argument(GroupName, nameText, A_GROUP);
      context.print(membersLine(await context.api.group(context.token, name)));
      return "continue";
    },
  },
  {
    name: "group admin",
    usage: "/group admin <name> <user>",
    summary: "make a member an admin; admins only",
    async run(context, [nameText, userText]) {
      const name = argument(GroupName, nameText, A_GROUP);
      const user = argument(Name, userText, A_USER);
      await changing(context, ["promoted", name, user], () => context.api.promoteGroupMember(context.token, name, user));
      context.print(`${user} is now an admin of #${name}.`);
      return "continue";
    },
  },
  {
    name: "group rename",
    usage: "/group rename <name> <new-name>",
    summary: "rename a group; admins only",
    async run(context, [nameText, newText]) {
      const name = argument(GroupName, nameText, A_GROUP);
      const newName = argument(GroupName, newText, "a new group name");
      await changing(context, ["renamed", newName], () => context.api.renameGroup(context.token, name, newName));
      context.print(`Renamed #${name} to #${newName}.`);
      return "continue";
    },
  },
  {
    name: "group info",
    usage: "/group info <name> [seq]",
    summary: "who got and who read your latest message, or message seq",
    async run(context, [nameText, seqText]) {
      const name = argument(GroupName, nameText, A_GROUP);
      const seq = seqText === undefined ? await latestOwnMessage(context, name) : argument(Seq, seqText, "a message number");
      context.print(receiptsLine(name, await context.api.groupReceipts(context.token, name, seq)));
      return "continue";
    },
  },
];

async function leave(context: CommandContext, name: string): Promise<"continue"> {
  await changing(context, ["left", name, context.me], () => context.api.removeGroupMember(context.token, name, context.me));
  context.print(`You left #${name}.`);
  return "continue";
}

/** Sends a request that changes a group, noting the change first: its notice may arrive before the answer. */
async function changing<T>(context: CommandContext, [change, group, user]: [NoticeChange, string, string?], request: () => Promise<T>): Promise<T> {
  const undo = context.ownGroupChanges.expect(change, group, user);
  try {
    return await request();
  } catch (error) {
    undo();
    throw error;
  }
}

/** `#team (3 members): alice (admin), bob, carol` */
export function membersLine(info: GroupInfo): string {
  const names = info.members.map((member) => (member.role === "admin" ? `${member.name} (admin)` : member.name));
  return `#${info.name} (${plural(info.members.length, "member")}): ${names.join(", ")}`;
}

/** `#team message 8: read by 2 of 4 (bob, carol), delivered to 3 of 4 (bob, carol, dave)` */
export function receiptsLine(group: string, receipts: MessageReceipts): string {
  const part = (label: string, names: string[]) =>
    `${label} ${names.length} of ${receipts.members}${names.length > 0 ? ` (${names.join(", ")})` : ""}`;
  return `#${group} message ${receipts.seq}: ${part("read by", receipts.readBy)}, ${part("delivered to", receipts.deliveredTo)}`;
}

async function latestOwnMessage(context: CommandContext, group: string): Promise<number> {
  const page = await context.api.history(context.token, { with: `#${group}`, limit: OWN_MESSAGE_LOOKBACK });
  const own = page.messages.find((message) => message.from === context.me); // newest first
  if (!own) throw new UsageError(`You have no recent message in #${group}; give the number of the message to look at.`);
  return own.seq;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** People whose `groupAdds` setting turned an add into an invitation. */
function invitedLine(invited: string[], group: string): string {
  return `Invited ${invited.join(", ")} to #${group}: their settings let them choose, so they join when they accept.`;
}
