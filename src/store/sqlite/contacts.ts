import type { Database } from "bun:sqlite";
import type { Contact, ConversationId, GroupInvite, UserId } from "../../domain/types.ts";
import type { ContactStore } from "../contact-store.ts";
import type { PresenceStore } from "../presence-store.ts";
import { inWriteTransaction } from "./transaction.ts";

/** Contacts, blocks and group invitations of the SQLite store, with the presence query they decide. */
export function sqliteContacts(db: Database): ContactStore & Pick<PresenceStore, "contactsOf"> {
  const q = <Row = unknown>(sql: string) => db.query<Row, any[]>(sql);

  const insertContact = q<{ one: number }>(
    "INSERT INTO contacts (owner_id, contact_id, since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING RETURNING 1 AS one",
  );
  const deleteContact = q("DELETE FROM contacts WHERE owner_id = ?1 AND contact_id = ?2");
  const selectCounts = q<{ one: number }>("SELECT 1 AS one FROM contacts WHERE owner_id = ?1 AND contact_id = ?2");
  const selectContactList = q<{ name: string; mutual: number }>(
    `SELECT u.name, EXISTS (SELECT 1 FROM contacts back WHERE back.owner_id = mine.contact_id AND back.contact_id = ?1) AS mutual
     FROM contacts mine JOIN users u ON u.id = mine.contact_id WHERE mine.owner_id = ?1 ORDER BY u.name`,
  );
  const selectMutual = q<{ userId: number; name: string; lastSeen: number | null; hideLastSeen: number }>(
    `SELECT u.id AS userId, u.name, u.last_seen AS lastSeen, u.hide_last_seen AS hideLastSeen
     FROM contacts mine JOIN contacts back ON back.owner_id = mine.contact_id AND back.contact_id = mine.owner_id
       JOIN users u ON u.id = mine.contact_id
     WHERE mine.owner_id = ?1`,
  );
  const insertBlock = q<{ one: number }>(
    "INSERT INTO blocks (owner_id, blocked_id, since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING RETURNING 1 AS one",
  );
  const deleteBlock = q("DELETE FROM blocks WHERE owner_id = ?1 AND blocked_id = ?2");
  const selectBlock = q<{ one: number }>("SELECT 1 AS one FROM blocks WHERE owner_id = ?1 AND blocked_id = ?2");
  const selectBlocked = q<{ name: string }>("SELECT u.name FROM blocks b JOIN users u ON u.id = b.blocked_id WHERE b.owner_id = ?1 ORDER BY u.name");
  const insertInvite = q<{ one: number }>(
    `INSERT INTO group_invites (user_id, conv_id, inviter_id, created_at) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT DO NOTHING RETURNING 1 AS one`,
  );
  const selectInvites = q<GroupInvite>(
    `SELECT i.conv_id AS conv, c.name AS "group", i.inviter_id AS inviterId, u.name AS inviter, i.created_at AS at
     FROM group_invites i JOIN conversations c ON c.id = i.conv_id JOIN users u ON u.id = i.inviter_id
     WHERE i.user_id = ?1 ORDER BY i.created_at, i.conv_id`,
  );
  const deleteInvite = q<{ inviterId: number }>("DELETE FROM group_invites WHERE user_id = ?1 AND conv_id = ?2 RETURNING inviter_id AS inviterId");

  return {
    async addContact(owner: UserId, other: UserId, now: number) {
      const added = insertContact.get(owner, other, now) !== null;
      return { added, mutual: selectCounts.get(other, owner) !== null };
    },

    async removeContact(owner: UserId, other: UserId): Promise<boolean> {
      return deleteContact.run(owner, other).changes > 0;
    },

    async countsAsContact(owner: UserId, other: UserId): Promise<boolean> {
      return selectCounts.get(owner, other) !== null;
    },

    async areContacts(a: UserId, b: UserId): Promise<boolean> {
      return selectCounts.get(a, b) !== null && selectCounts.get(b, a) !== null;
    },

    async contactListOf(owner: UserId) {
      return selectContactList.all(owner).map((row) => ({ name: row.name, mutual: row.mutual === 1 }));
    },

    async contactsOf(userId: UserId): Promise<Contact[]> {
      return selectMutual.all(userId).map((row) => ({ ...row, hideLastSeen: row.hideLastSeen === 1 }));
    },

    async block(owner: UserId, other: UserId, now: number): Promise<boolean> {
      return inWriteTransaction(db, () => {
        deleteContact.run(owner, other);
        return insertBlock.get(owner, other, now) !== null;
      });
    },

    async unblock(owner: UserId, other: UserId): Promise<boolean> {
      return deleteBlock.run(owner, other).changes > 0;
    },

    async hasBlocked(owner: UserId, other: UserId): Promise<boolean> {
      return selectBlock.get(owner, other) !== null;
    },

    async blockedBy(owner: UserId): Promise<string[]> {
      return selectBlocked.all(owner).map((row) => row.name);
    },

    async inviteToGroup(conv: ConversationId, userId: UserId, inviter: UserId, now: number): Promise<boolean> {
      return insertInvite.get(userId, conv, inviter, now) !== null;
    },

    async groupInvitesOf(userId: UserId): Promise<GroupInvite[]> {
      return selectInvites.all(userId);
    },

    async takeGroupInvite(conv: ConversationId, userId: UserId): Promise<UserId | null> {
      return deleteInvite.get(userId, conv)?.inviterId ?? null;
    },
  };
}
