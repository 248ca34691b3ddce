import { z } from "zod";
import { MessageFrame, NoticeFrame, Timestamp } from "./events.ts";
import { PrivacySettings, Role } from "./groups.ts";
import { DeviceInfo } from "./http.ts";
import { Name, Password, Recipient } from "./names.ts";

/** What a user does to their own account: change its password, delete it, take their data with them. */

export const PasswordChange = z
  .object({
    currentPassword: Password,
    newPassword: Password,
    logOutOtherDevices: z.boolean().meta({ description: "true: every other device is logged out at once; false: they stay logged in" }),
  })
  .meta({
    description: "Body of `POST /api/password`. The device making the change stays logged in either way.",
    examples: [{ currentPassword: "correct horse battery", newPassword: "staple battery horse", logOutOtherDevices: true }],
  });
export type PasswordChange = z.infer<typeof PasswordChange>;

export const PasswordChanged = z
  .object({ loggedOut: z.number().int().nonnegative().meta({ description: "how many other devices were logged out" }) })
  .meta({ description: "Answer to `POST /api/password`.", examples: [{ loggedOut: 2 }] });
export type PasswordChanged = z.infer<typeof PasswordChanged>;

export const AccountDeletion = z
  .object({ password: Password })
  .meta({ description: "Body of `POST /api/account/delete`: the account's password, to confirm.", examples: [{ password: "correct horse battery" }] });
export type AccountDeletion = z.infer<typeof AccountDeletion>;

export const ExportedGroup = z.object({ name: Name, role: Role, members: z.array(Name) });

export const ExportedConversation = z.object({
  with: Recipient.meta({ description: "the other user (or `deleted account`), or the `#group`" }),
  kind: z.enum(["direct", "group"]),
  messages: z
    .array(z.discriminatedUnion("type", [MessageFrame, NoticeFrame]))
    .meta({ description: "oldest first, from when you joined: messages as the stream sends them (deleted ones empty), and notices" }),
});

export const DataExport = z
  .object({
    exportedAt: Timestamp,
    user: Name,
    settings: PrivacySettings,
    devices: z.array(DeviceInfo),
    groups: z.array(ExportedGroup),
    conversations: z.array(ExportedConversation),
  })
  .meta({
    description:
      "Answer to `GET /api/export` (sent as a download, `chat-export-<name>.json`, streamed a page of messages at a time): your account's data. Messages you deleted for yourself are left out.",
    examples: [
      {
        exportedAt: 1764100000000,
        user: "alice",
        settings: { hideLastSeen: false, readReceipts: true, groupAdds: "everyone" },
        devices: [{ id: 3, name: "laptop", createdAt: 1764093600000, lastActive: 1764093700000, current: true }],
        groups: [{ name: "team", role: "admin", members: ["alice", "bob"] }],
        conversations: [
          {
            with: "bob",
            kind: "direct",
            messages: [{ type: "message", conv: 12, seq: 41, id: "m-01HZX", from: "alice", to: "bob", text: "Hello Bob, how are you?", ts: 1764093600000 }],
          },
        ],
      },
    ],
  });
export type DataExport = z.infer<typeof DataExport>;
