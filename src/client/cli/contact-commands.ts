import { Name } from "../../protocol/index.ts";
import { argument, type Command, type CommandContext } from "./command.ts";
import { GroupName } from "./group-commands.ts";

/** A command on one named thing (`/block bob`, `/join team`): asks the server, then prints the sentence `act` answers. */
function onOne(name: string, parameter: "user" | "group", summary: string, act: (context: CommandContext, value: string) => Promise<string>): Command {
  const [schema, expected] = parameter === "user" ? [Name, "a user name"] : [GroupName, "a group name"];
  return {
    name,
    usage: `/${name} <${parameter}>`,
    summary,
    async run(context, [text]) {
      context.print(await act(context, argument(schema, text, expected)));
      return "continue";
    },
  };
}

/** Contacts, blocks and group invitations: thin wrappers over `/api/contacts`, `/api/blocks` and `/api/group-invites`. */
export const CONTACT_COMMANDS: Command[] = [
  {
    name: "contacts",
    usage: "/contacts",
    summary: "list your contacts; only mutual ones see your presence, typing and receipts",
    async run(context) {
      const { contacts } = await context.api.contacts(context.token);
      if (contacts.length === 0) context.print("No contacts yet: people you write to, or /contacts add, become contacts.");
      for (const contact of contacts) context.print(contact.mutual ? contact.name : `${contact.name} (has not added you)`);
      return "continue";
    },
  },
  onOne("contacts add", "user", "add someone as a contact", async (context, user) => {
    const { name, mutual } = await context.api.addContact(context.token, user);
    return mutual ? `${name} and you are contacts.` : `Added ${name}; you become contacts once they write to you or add you too.`;
  }),
  onOne("contacts remove", "user", "stop sharing presence, typing and receipts with someone", async (context, user) => {
    await context.api.removeContact(context.token, user);
    return `${user} is no longer a contact.`;
  }),
  onOne("accept", "user", "accept someone who wrote to you: they become a contact", async (context, user) => {
    const { name } = await context.api.addContact(context.token, user);
    return `Accepted ${name}: you now share presence, typing and receipts.`;
  }),
  onOne("block", "user", "block someone: nothing they write reaches you, they learn nothing about you", async (context, user) => {
    await context.api.block(context.token, user);
    return `Blocked ${user}. /unblock ${user} undoes it.`;
  }),
  onOne("unblock", "user", "unblock someone", async (context, user) => {
    await context.api.unblock(context.token, user);
    return `Unblocked ${user}.`;
  }),
  {
    name: "blocked",
    usage: "/blocked",
    summary: "list the people you blocked",
    async run(context) {
      const { blocked } = await context.api.contacts(context.token);
      context.print(blocked.length === 0 ? "You have blocked nobody." : `Blocked: ${blocked.join(", ")}`);
      return "continue";
    },
  },
  {
    name: "invites",
    usage: "/invites",
    summary: "list your invitations to groups",
    async run(context) {
      const { invites } = await context.api.groupInvites(context.token);
      if (invites.length === 0) context.print("No invitations to groups.");
      for (const invite of invites) context.print(inviteLine(invite.group, invite.from));
      return "continue";
    },
  },
  onOne("join", "group", "accept an invitation to a group", async (context, group) => {
    const info = await context.api.acceptGroupInvite(context.token, group);
    return `You joined #${info.name}.`;
  }),
  onOne("decline", "group", "decline an invitation to a group (nobody is told)", async (context, group) => {
    await context.api.declineGroupInvite(context.token, group);
    return `Declined the invitation to #${group}.`;
  }),
];

/** `carol invited you to #team: /join team or /decline team` */
export function inviteLine(group: string, from: string): string {
  return `${from} invited you to #${group}: /join ${group} or /decline ${group}`;
}
