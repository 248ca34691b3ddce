import type { Contact, Privacy, UserId } from "../domain/types.ts";

/** Privacy switches, last seen, and who may see whose presence (contacts, see ContactStore). */
export interface PresenceStore {
  privacyOf(userId: UserId): Promise<Privacy>;
  setPrivacy(userId: UserId, update: Partial<Privacy>): Promise<Privacy>;
  setLastSeen(userId: UserId, at: number): Promise<void>;
  lastSeenOf(userId: UserId): Promise<number | null>;
  /** Everyone who counts the user as a contact and is counted back. */
  contactsOf(userId: UserId): Promise<Contact[]>;
}
