import { Name } from "../../protocol/index.ts";
import { argument, type Command } from "./command.ts";
import { GroupName } from "./group-commands.ts";

const A_USER = "a user name";
const A_GROUP = "a group name";

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
  {
    name: "contacts add",
    usage: "/contacts add <user>",
    summary: "add someone as a contact",
    async run(context, [userText]) {
      const { name, mutual } = await context.api.addContact(context.token, argument(Name, userText, A_USER));
      context.print(mutual ? `${name} and you are contacts.` : `Added ${name}; you become contacts once they write to you or add you too.`);
      return "continue";
    },
  },
  {
    name: "contacts remove",
    usage: "/contacts remove <user>",
    summary: "stop sharing presence, typing and receipts with someone",
    async run(context, [userText]) {
      const user = argument(Name, userText, A_USER);
      await context.api.removeContact(context.token, user);
      context.print(`${user} is no longer a contact.`);
      return "continue";
    },
  },
  {
    name: "accept",
    usage: "/accept <user>",
    summary: "accept someone who wrote to you: they become a contact",
    async run(context, [userText]) {
      const { name } = await context.api.addContact(context.token, argument(Name, userText, A_USER));
      context.print(`Accepted ${name}: you now share presence, typing and receipts.`);
      return "continue";
    },
  },
  {
    name: "block",
    usage: "/block <user>",
    summary: "block someone: nothing they write reaches you, they learn nothing about you",
    async run(context, [userText]) {
      const user = argument(Name, userText, A_USER);
      await context.api.block(context.token, user);
      context.print(`Blocked ${user}. /unblock ${user} undoes it.`);
      return "continue";
    },
  },
  {
    name: "unblock",
    usage: "/unblock <user>",
    summary: "unblock someone",
    async run(context, [userText]) {
      const user = argument(Name, userText, A_USER);
      await context.api.unblock(context.token, user);
      context.print(`Unblocked ${user}.`);
      return "continue";
    },
  },
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
  {
    name: "join",
    usage: "/join <group>",
    summary: "accept an invitation to a group",
    async run(context, [groupText]) {
      const group = argument(GroupName, groupText, A_GROUP);
      const info = await context.api.acceptGroupInvite(context.token, group);
      context.print(`You joined #${info.name}.`);
      return "continue";
    },
  },
  {
    name: "decline",
    usage: "/decline <group>",
    summary: "decline an invitation to a group (nobody is told)",
    async run(context, [groupText]) {
      const group = argument(GroupName, groupText, A_GROUP);
      await context.api.declineGroupInvite(context.token, group);
      context.print(`Declined the invitation to #${group}.`);
      return "continue";
    },
  },
];

/** `carol invited you to #team: /join team or /decline team` */
export function inviteLine(group: string, from: string): string {
  return `${from} invited you to #${group}: /join ${group} or /decline ${group}`;
}
