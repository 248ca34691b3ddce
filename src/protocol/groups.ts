import { z } from "zod";
import { Name } from "./names.ts";

/** HTTP bodies of the group routes (`/api/groups…`) and the privacy settings. */

export const Role = z.enum(["admin", "member"]);
export type Role = z.infer<typeof Role>;

export const CreateGroup = z
  .object({
    name: Name,
    members: z.array(Name).max(10_000).default([]).meta({ description: "users to add besides the creator, who becomes admin" }),
  })
  .meta({ description: "Body of `POST /api/groups`.", examples: [{ name: "team", members: ["bob", "carol"] }] });

export const GroupUser = z
  .object({ user: Name })
  .meta({ description: "Body of `POST /api/groups/:name/members` (add) and `POST /api/groups/:name/admins` (promote).", examples: [{ user: "dave" }] });

export const RenameGroup = z
  .object({ name: Name })
  .meta({ description: "Body of `PATCH /api/groups/:name`.", examples: [{ name: "core-team" }] });

export const GroupInfo = z
  .object({
    name: Name,
    conv: z.number().int(),
    members: z.array(z.object({ name: Name, role: Role })),
    invited: z
      .array(Name)
      .optional()
      .meta({ description: "on create and add: people whose setting turned your add into an invitation; they join when they accept" }),
  })
  .meta({
    description: "Answer to create, add, promote, rename and `GET /api/groups/:name` (members only).",
    examples: [{ name: "team", conv: 17, members: [{ name: "alice", role: "admin" }, { name: "bob", role: "member" }] }],
  });
export type GroupInfo = z.infer<typeof GroupInfo>;

export const GroupList = z
  .object({ groups: z.array(z.object({ name: Name, conv: z.number().int(), role: Role })) })
  .meta({ description: "Answer to `GET /api/groups`: the groups you are in.", examples: [{ groups: [{ name: "team", conv: 17, role: "admin" }] }] });
export type GroupList = z.infer<typeof GroupList>;

export const MessageReceipts = z
  .object({
    seq: z.number().int(),
    members: z.number().int().meta({ description: "members other than the sender" }),
    deliveredTo: z.array(Name),
    readBy: z.array(Name),
  })
  .meta({
    description: "Answer to `GET /api/groups/:name/receipts?seq=N`: who has message N (read by 2 of 4, and who).",
    examples: [{ seq: 8, members: 4, deliveredTo: ["bob", "carol", "dave"], readBy: ["bob", "carol"] }],
  });
export type MessageReceipts = z.infer<typeof MessageReceipts>;

export const ReceiptsQuery = z.object({ seq: z.coerce.number().int().positive() });

export const GroupAdds = z.enum(["everyone", "contacts", "nobody"]);
export type GroupAdds = z.infer<typeof GroupAdds>;

export const PrivacySettings = z
  .object({
    hideLastSeen: z.boolean().meta({ description: "others see no last-seen time; you see none of theirs" }),
    readReceipts: z.boolean().meta({ description: "others learn when you read; off, you do not learn when they read" }),
    groupAdds: GroupAdds.meta({
      description: "who may add you to a group: `everyone`, your mutual `contacts`, or `nobody`; anyone else's add becomes an invitation you accept or ignore",
    }),
  })
  .meta({
    description: "Answer to `GET /api/settings`; `PATCH /api/settings` takes any part of it.",
    examples: [{ hideLastSeen: false, readReceipts: true, groupAdds: "everyone" }],
  });
export type PrivacySettings = z.infer<typeof PrivacySettings>;
export const PrivacyUpdate = PrivacySettings.partial();
