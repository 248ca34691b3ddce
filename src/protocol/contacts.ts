import { z } from "zod";
import { Timestamp } from "./events.ts";
import { Name } from "./names.ts";

/**
 * Contacts, blocks and group invitations: the bodies of `/api/contacts`, `/api/blocks` and
 * `/api/group-invites`, and the frames that keep a user's devices in step with them.
 */

export const ContactUser = z
  .object({ user: Name })
  .meta({ description: "Body of `POST /api/contacts` (add or accept) and `POST /api/blocks` (block).", examples: [{ user: "bob" }] });

export const ContactEntry = z
  .object({
    name: Name,
    mutual: z.boolean().meta({ description: "they count you as a contact too: only then do presence, typing and receipts flow" }),
  })
  .meta({ description: "Answer to `POST /api/contacts`: one contact of yours.", examples: [{ name: "bob", mutual: true }] });
export type ContactEntry = z.infer<typeof ContactEntry>;

export const ContactList = z
  .object({
    contacts: z.array(ContactEntry).meta({ description: "everyone you count as a contact, by name" }),
    blocked: z.array(Name).meta({ description: "everyone you blocked, by name" }),
  })
  .meta({
    description: "Answer to `GET /api/contacts`.",
    examples: [{ contacts: [{ name: "bob", mutual: true }, { name: "carol", mutual: false }], blocked: ["mallory"] }],
  });
export type ContactList = z.infer<typeof ContactList>;

export const GroupInvite = z.object({ group: Name, from: Name, at: Timestamp });
export type GroupInvite = z.infer<typeof GroupInvite>;

export const GroupInviteList = z
  .object({ invites: z.array(GroupInvite) })
  .meta({
    description: "Answer to `GET /api/group-invites`: groups someone wanted to add you to, which your setting `groupAdds` turned into invitations.",
    examples: [{ invites: [{ group: "team", from: "carol", at: 1764093600000 }] }],
  });
export type GroupInviteList = z.infer<typeof GroupInviteList>;

export const ContactState = z.enum(["contact", "none", "blocked"]);
export type ContactState = z.infer<typeof ContactState>;

export const ContactFrame = z
  .object({ type: z.literal("contact"), user: Name, state: ContactState })
  .meta({
    description:
      "How you now stand toward `user`, sent to all your devices when it changes: `contact` (you added or accepted them, or wrote to them), `none` (removed, unblocked) or `blocked`.",
    examples: [{ type: "contact", user: "bob", state: "contact" }],
  });

export const GroupInviteFrame = z
  .object({ type: z.literal("group_invite"), group: Name, from: Name, at: Timestamp })
  .meta({
    description:
      "`from` wanted to add you to `group` and your setting `groupAdds` does not let them: accept with `POST /api/group-invites/:group/accept`, decline with `DELETE /api/group-invites/:group`, or ignore it.",
    examples: [{ type: "group_invite", group: "team", from: "carol", at: 1764093600000 }],
  });
