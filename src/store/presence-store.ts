import type { Contact, Privacy, UserId } from "../domain/types.ts";

export interface LastSeen {
  userId: UserId;
  at: number;
}

/** Privacy switches, last seen, and who may see whose presence (contacts, see ContactStore). */
export interface PresenceStore {
  privacyOf(userId: UserId): Promise<Privacy>;
  setPrivacy(userId: UserId, update: Partial<Privacy>): Promise<Privacy>;
  /** Records when each user was last seen, all in one write (many users go offline at once when a server stops). */
  setLastSeen(seen: ReadonlyArray<LastSeen>): Promise<void>;
  lastSeenOf(userId: UserId): Promise<number | null>;
  /** Everyone who counts the user as a contact and is counted back. */
  contactsOf(userId: UserId): Promise<Contact[]>;
}
