import type { AccountStore } from "./account-store.ts";
import type { ContactStore } from "./contact-store.ts";
import type { AttachmentStore } from "./attachment-store.ts";
import type { ConversationLog } from "./conversation-log.ts";
import type { GroupStore } from "./group-store.ts";
import type { PresenceStore } from "./presence-store.ts";

/**
 * Everything the server keeps, in domain terms, as role ports: accounts, presence, contacts, groups
 * and the conversation log. One driver per backend (SQLite for one machine, PostgreSQL for several)
 * implements them all; a service asks only for the ports it uses. Every method is one
 * transaction; a batch method commits its whole batch at once (group commit).
 */
export interface Store extends AccountStore, PresenceStore, ContactStore, GroupStore, ConversationLog, AttachmentStore {
  /** Resolves when the store answers a trivial query; for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
