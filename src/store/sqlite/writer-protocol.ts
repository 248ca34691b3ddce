import type { Store } from "../store.ts";

/**
 * Messages between the server's thread and the SQLite writer thread. They stay
 * inside one process, so TypeScript types them rather than zod. A call's
 * arguments and result travel as JSON text: the Store's write methods take and
 * return plain data, and one string crosses threads several times cheaper than
 * the structured clone of a batch of objects (measured: postMessage was a fifth
 * of the server thread's time at full load).
 */
/** The Store methods that write: they run on the writer thread, every other one on the caller's. */
export const WRITE_METHODS = [
  "createUser",
  "createInvitedUser",
  "createInvite",
  "createDevice",
  "revokeDevice",
  "touchDevices",
  "setDeactivated",
  "setPasswordHash",
  "changePassword",
  "deleteAccount",
  "setPrivacy",
  "addContact",
  "removeContact",
  "block",
  "unblock",
  "inviteToGroup",
  "takeGroupInvite",
  "setLastSeen",
  "directConversation",
  "createGroup",
  "addGroupMember",
  "removeGroupMember",
  "setGroupRole",
  "renameGroup",
  "appendEvents",
  "hideEvent",
  "expireEvents",
  "indexForSearch",
  "deleteEventsBefore",
  "saveDelivered",
  "saveReads",
  "createUpload",
  "finishUpload",
  "deleteUnsentUpload",
  "releaseAttachments",
  "ping",
] as const satisfies ReadonlyArray<keyof Store>;

export type WriteMethod = (typeof WRITE_METHODS)[number];

export type ToWriter =
  | { type: "open"; dataDir: string }
  | { type: "call"; id: number; method: WriteMethod; argsJson: string }
  | { type: "close" };

export type FromWriter =
  | { type: "opened" }
  | { type: "result"; id: number; valueJson: string | undefined }
  | { type: "failed"; id: number | null; message: string }
  | { type: "closed" };
