/**
 * One set of behaviour tests for every Store driver: whatever backs the store,
 * the service above it sees the same accounts, sequences, cursors and receipts.
 */
import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DELETED_ACCOUNT, type ErrorCode } from "../../src/protocol/index.ts";
import { decodeBody, quoteOf, textOf, type AppendResult, type EventPolicy, type NewEvent, type Notice, type StoredEvent } from "../../src/domain/events.ts";
import type { ConversationId, User, UserId } from "../../src/domain/types.ts";
import postgresFirstMigration from "../../src/store/postgres/001_init.sql" with { type: "text" };
import postgresSecondMigration from "../../src/store/postgres/002_groups_privacy_presence.sql" with { type: "text" };
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SQLITE_FILE_NAME } from "../../src/store/sqlite/index.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import { MIGRATIONS as SQLITE_MIGRATIONS } from "../../src/store/sqlite/schema.ts";
import type { Store } from "../../src/store/store.ts";
import { isolatedStorage, TEST_POSTGRES_URL } from "../helpers/deployments.ts";


/** A device cap no case here reaches, but the one about the cap. */
const MANY_DEVICES = 100;

/** The windows for changing what one sent, as the server's defaults have them. */
const POLICY: EventPolicy = { editWindowMs: 15 * 60_000, deleteWindowMs: 48 * 3_600_000 };

/** A viewer who hid nothing: reads where hiding is not the point. */
const NOBODY = 0;

/** Fresh, empty storage; `open` may be called several times for stores sharing it, as several servers would. */
interface Storage {
  open(): Promise<Store>;
  destroy(): Promise<void>;
}

interface Backend {
  name: string;
  create(): Promise<Storage>;
  /** Storage as the first release left it (schema version 1), holding alice, bob and their direct conversation. */
  createAtFirstVersion(): Promise<Storage>;
  /** Storage as the release before conversations became event streams left it, holding PREVIOUS_RELEASE_DATA. */
  createAtPreviousRelease(): Promise<Storage>;
  dispose(): Promise<void>;
}

/**
 * What the release before event streams kept, written with its schema (SQLite user_version 3,
 * PostgreSQL migrations 001 and 002), ids as a fresh database hands them out:
 * - users alice (1), bob (2, who sends no read receipts), carol (3); bob's phone (device 1);
 * - alice and bob's direct conversation (1): alice and bob both used the id 'm-shared' in it,
 *   which that schema allowed (ids were unique per sender); alice has read all 3, bob got 2 and read 1;
 * - #team (2), alice admin, bob member, carol member who joined at seq 1;
 * - bob's phone has had 2 of each conversation.
 */
const PREVIOUS_RELEASE_SQLITE = `
  INSERT INTO users (id, name, password_hash, created_at, read_receipts) VALUES
    (1, 'alice', 'hash-of-alice', 1000, 1), (2, 'bob', 'hash-of-bob', 1000, 0), (3, 'carol', 'hash-of-carol', 1000, 1);
  INSERT INTO devices (id, user_id, name, token_hash, created_at, last_active) VALUES (1, 2, 'phone', 'token-of-bob', 1500, 9000);
  INSERT INTO conversations (id, kind, direct_key, name, last_seq, created_at) VALUES
    (1, 'direct', '1:2', NULL, 3, 2000), (2, 'group', NULL, 'team', 2, 2000);
  INSERT INTO members (conv_id, user_id, joined_seq, delivered_seq, read_seq, role) VALUES
    (1, 1, 0, 3, 3, 'member'), (1, 2, 0, 2, 1, 'member'),
    (2, 1, 0, 2, 2, 'admin'), (2, 2, 0, 2, 0, 'member'), (2, 3, 1, 2, 1, 'member');
  INSERT INTO messages (conv_id, seq, sender_id, client_id, body, sent_at) VALUES
    (1, 1, 1, 'm-shared', 'hello from alice', 10000),
    (1, 2, 2, 'm-shared', 'hello from bob, same id', 10001),
    (1, 3, 1, 'm-3', 'lunch tomorrow?', 10002),
    (2, 1, 1, 'g-1', 'welcome to the team', 10003),
    (2, 2, 3, 'g-2', 'glad to be on the team', 10004);
  INSERT INTO device_cursors (device_id, conv_id, seq) VALUES (1, 1, 2), (1, 2, 2);
`;

const PREVIOUS_RELEASE_POSTGRES = `
  INSERT INTO users (name, password_hash, created_at, read_receipts) VALUES
    ('alice', 'hash-of-alice', 1000, true), ('bob', 'hash-of-bob', 1000, false), ('carol', 'hash-of-carol', 1000, true);
  INSERT INTO devices (user_id, name, token_hash, created_at, last_active) VALUES (2, 'phone', 'token-of-bob', 1500, 9000);
  INSERT INTO conversations (kind, direct_low, direct_high, name, last_seq, created_at) VALUES
    ('direct', 1, 2, NULL, 3, 2000), ('group', NULL, NULL, 'team', 2, 2000);
  INSERT INTO members (conv_id, user_id, joined_seq, delivered, read, role) VALUES
    (1, 1, 0, 3, 3, 'member'), (1, 2, 0, 2, 1, 'member'),
    (2, 1, 0, 2, 2, 'admin'), (2, 2, 0, 2, 0, 'member'), (2, 3, 1, 2, 1, 'member');
  INSERT INTO messages (conv_id, seq, sender_id, client_id, body, sent_at) VALUES
    (1, 1, 1, 'm-shared', 'hello from alice', 10000),
    (1, 2, 2, 'm-shared', 'hello from bob, same id', 10001),
    (1, 3, 1, 'm-3', 'lunch tomorrow?', 10002),
    (2, 1, 1, 'g-1', 'welcome to the team', 10003),
    (2, 2, 3, 'g-2', 'glad to be on the team', 10004);
  INSERT INTO device_cursors (device_id, conv_id, seq) VALUES (1, 1, 2), (1, 2, 2);
`;

function sqliteStorage(dir: string): Storage {
  return {
    open: async () => openSqliteStore(dir),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const sqliteBackend: Backend = {
  name: "sqlite",
  async create() {
    return sqliteStorage(mkdtempSync(join(tmpdir(), "chat-store-contract-")));
  },
  async createAtFirstVersion() {
    const dir = mkdtempSync(join(tmpdir(), "chat-store-contract-"));
    const db = new Database(join(dir, SQLITE_FILE_NAME), { create: true });
    db.transaction(() => {
      db.run(SQLITE_MIGRATIONS[0]!);
      db.run("PRAGMA user_version = 1");
      db.run("INSERT INTO users (id, name, password_hash, created_at) VALUES (1, 'alice', 'hash-of-alice', 1000), (2, 'bob', 'hash-of-bob', 1000)");
      db.run("INSERT INTO conversations (id, kind, direct_key, created_at) VALUES (1, 'direct', '1:2', 2000)");
      db.run("INSERT INTO members (conv_id, user_id) VALUES (1, 1), (1, 2)");
    })();
    db.close();
    return sqliteStorage(dir);
  },
  async createAtPreviousRelease() {
    const dir = mkdtempSync(join(tmpdir(), "chat-store-contract-"));
    const db = new Database(join(dir, SQLITE_FILE_NAME), { create: true });
    db.transaction(() => {
      for (const migration of SQLITE_MIGRATIONS.slice(0, 3)) db.run(migration);
      db.run("PRAGMA user_version = 3");
      db.run(PREVIOUS_RELEASE_SQLITE);
    })();
    db.close();
    return sqliteStorage(dir);
  },
  async dispose() {},
};

function postgresBackend(): Backend {
  const admin = new SQL(TEST_POSTGRES_URL);
  const postgresStorage = ({ schema, drop }: ReturnType<typeof isolatedStorage>): Storage => ({
    open: () => openPostgresStore(TEST_POSTGRES_URL, { schema }),
    destroy: drop,
  });
  return {
    name: "postgres",
    async create() {
      return postgresStorage(isolatedStorage());
    },
    async createAtFirstVersion() {
      const storage = isolatedStorage();
      const { schema } = storage;
      await admin.begin(async (tx) => {
        await tx.unsafe(`
          CREATE SCHEMA ${schema};
          SET LOCAL search_path TO ${schema};
          ${postgresFirstMigration}
          CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
          INSERT INTO schema_migrations (version) VALUES (1);
          INSERT INTO users (name, password_hash, created_at) VALUES ('alice', 'hash-of-alice', 1000), ('bob', 'hash-of-bob', 1000);
          INSERT INTO conversations (kind, direct_low, direct_high, created_at) SELECT 'direct', min(id), max(id), 2000 FROM users;
          INSERT INTO members (conv_id, user_id) SELECT c.id, u.id FROM conversations c, users u;
        `);
      });
      return postgresStorage(storage);
    },
    async createAtPreviousRelease() {
      const storage = isolatedStorage();
      const { schema } = storage;
      await admin.begin(async (tx) => {
        await tx.unsafe(`
          CREATE SCHEMA ${schema};
          SET LOCAL search_path TO ${schema};
          ${postgresFirstMigration}
          ${postgresSecondMigration}
          CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
          INSERT INTO schema_migrations (version) VALUES (1), (2);
          ${PREVIOUS_RELEASE_POSTGRES}
        `);
      });
      return postgresStorage(storage);
    },
    dispose: () => admin.close(),
  };
}

const backends: Backend[] = [sqliteBackend, postgresBackend()];

afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.dispose()));
});

for (const backend of backends) {
  describe(`${backend.name} store`, () => {
    let storage: Storage;
    /** Every storage of the test, destroyed after it, once the stores over them are closed. */
    let storages: Storage[];
    let opened: Store[];
    let store: Store;

    /** Another store over the same storage: a second server sharing the database. */
    async function openAnother(over: Storage = storage): Promise<Store> {
      const another = await over.open();
      opened.push(another);
      return another;
    }

    beforeEach(async () => {
      storage = await backend.create();
      storages = [storage];
      opened = [];
      store = await openAnother();
    });

    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      await Promise.all(storages.map((s) => s.destroy()));
    });

    async function user(name: string): Promise<User> {
      const created = await store.createUser(name, `hash-of-${name}`, 1_000);
      if (!created) throw new Error(`${name} exists already`);
      return created;
    }

    /** alice and bob with their direct conversation. */
    async function aliceAndBob() {
      const alice = await user("alice");
      const bob = await user("bob");
      const conv = await store.directConversation(alice.id, bob.id, 2_000);
      return { alice, bob, conv };
    }

    let clock = 10_000;
    function message(conv: ConversationId, from: User, clientId: string, text = `text of ${clientId}`): NewEvent {
      return { kind: "message", conv, senderId: from.id, clientId, text, sentAt: clock++ };
    }
    function reply(conv: ConversationId, from: User, clientId: string, replyTo: string, text = `reply ${clientId}`): NewEvent {
      return { kind: "message", conv, senderId: from.id, clientId, text, replyTo, sentAt: clock++ };
    }
    function edit(conv: ConversationId, from: User, clientId: string, target: string, text: string): NewEvent {
      return { kind: "edit", conv, senderId: from.id, clientId, target, text, sentAt: clock++ };
    }
    function remove(conv: ConversationId, from: User, clientId: string, target: string): NewEvent {
      return { kind: "delete", conv, senderId: from.id, clientId, target, sentAt: clock++ };
    }
    function react(conv: ConversationId, from: User, clientId: string, target: string, emoji: string | null): NewEvent {
      return { kind: "reaction", conv, senderId: from.id, clientId, target, emoji, sentAt: clock++ };
    }
    function notice(conv: ConversationId, from: User, clientId: string, what: Notice): NewEvent {
      return { kind: "notice", conv, senderId: from.id, clientId, notice: what, sentAt: clock++ };
    }
    /** The event as sent at `sentAt`: the windows for changing a message are judged by it. */
    const at = (event: NewEvent, sentAt: number): NewEvent => ({ ...event, sentAt });

    const append = (batch: NewEvent[], on: Store = store) => on.appendEvents(batch, POLICY);
    /** What a fresh plain message is answered with. */
    const storedAs = (seq: number, sentAt: number, duplicate = false): AppendResult => ({ ok: true, seq, sentAt, duplicate, expiresAt: null, quote: null });
    /** What an event refused by the rules is answered with. */
    const refused = (code: ErrorCode): AppendResult => ({ ok: false, reason: "refused", code, message: expect.any(String) });
    /** Every event of `conv` as `viewer` gets them, by id. */
    const eventsById = async (conv: ConversationId, viewer: number = NOBODY) =>
      new Map((await store.eventsAfter(conv, 0, 1_000, viewer)).map((event) => [event.clientId, event]));
    const textsOf = (events: StoredEvent[]) => events.map((event) => textOf(event.body));

    const seqsOf = async (conv: ConversationId) => (await store.eventsAfter(conv, 0, 1_000, NOBODY)).map((m) => m.seq);

    describe("accounts", () => {
      test("a user is found by name and by id; a taken name is refused", async () => {
        const alice = await user("alice");
        expect(alice).toMatchObject({ name: "alice", passwordHash: "hash-of-alice" });
        expect(await store.userByName("alice")).toEqual(alice);
        expect(await store.userById(alice.id)).toEqual(alice);
        expect(await store.createUser("alice", "another hash", 2_000)).toBeNull();
        expect(await store.userByName("alice")).toEqual(alice);
        expect(await store.userByName("nobody")).toBeNull();
        expect(await store.userById(alice.id + 1_000)).toBeNull();
      });
    });

    describe("invites", () => {
      test("an invite registers as many users as it has uses, then none; a taken name does not use it up", async () => {
        await store.createInvite("code-hash-2", 2, null, 1_000);
        await user("taken");
        expect(await store.createInvitedUser("taken", "h", 2_000, "code-hash-2")).toBeNull();
        const first = await store.createInvitedUser("first", "h1", 2_000, "code-hash-2");
        expect(first).toMatchObject({ name: "first", passwordHash: "h1" });
        expect(await store.userByName("first")).toEqual(first as User);
        expect(await store.createInvitedUser("second", "h2", 2_000, "code-hash-2")).toMatchObject({ name: "second" });
        expect(await store.createInvitedUser("third", "h3", 2_000, "code-hash-2")).toBe("invite_invalid");
        expect(await store.userByName("third")).toBeNull();
      });

      test("an unknown or expired invite registers nobody; a second store sees the first's uses", async () => {
        await store.createInvite("once", 1, 5_000, 1_000);
        await store.createInvite("expired", 3, 5_000, 1_000);
        expect(await store.createInvitedUser("alice", "h", 2_000, "no-such-code")).toBe("invite_invalid");
        expect(await store.createInvitedUser("alice", "h", 5_000, "expired")).toBe("invite_invalid");
        const other = await openAnother();
        const [a, b] = await Promise.all([
          store.createInvitedUser("alice", "h", 2_000, "once"),
          other.createInvitedUser("bob", "h", 2_000, "once"),
        ]);
        expect([a, b].filter((result) => result === "invite_invalid")).toHaveLength(1);
        expect([a, b].filter((result) => typeof result === "object" && result !== null)).toHaveLength(1);
      });
    });

    describe("operator's account changes", () => {
      test("deactivating logs every device out at once and is seen by another store; reactivating lets the user in again", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const laptop = await store.createDevice(alice.id, "laptop", "token-a1", 2_000, 10);
        const phone = await store.createDevice(alice.id, "phone", "token-a2", 2_000, 10);
        const bobs = await store.createDevice(bob.id, "phone", "token-b1", 2_000, 10);
        expect(await store.accountState(alice.id)).toBe("active");
        const other = await openAnother();
        expect(await other.setDeactivated("alice", 3_000)).toBe(alice.id);
        expect(await store.accountState(alice.id)).toBe("deactivated");
        expect(await store.deviceByTokenHash("token-a1")).toBeNull();
        expect(await store.deviceByTokenHash("token-a2")).toBeNull();
        expect(await store.devicesOf(alice.id)).toEqual([]);
        expect(await store.existingDevices([laptop!.id, phone!.id, bobs!.id])).toEqual([bobs!.id]);
        expect(await store.userByName("alice")).toEqual(alice);
        expect(await store.setDeactivated("nobody", 3_000)).toBeNull();

        expect(await store.setDeactivated("alice", null)).toBe(alice.id);
        expect(await store.accountState(alice.id)).toBe("active");
        expect(await store.createDevice(alice.id, "laptop", "token-a3", 4_000, 10)).not.toBeNull();
      });

      test("a new password hash replaces the old and logs every device out; the list shows devices, activity and state", async () => {
        const alice = await user("alice");
        await user("bob");
        await store.createDevice(alice.id, "laptop", "token-a1", 2_000, 10);
        await store.createDevice(alice.id, "phone", "token-a2", 2_500, 10);
        await store.setDeactivated("bob", 3_000);
        expect(await store.listUsers()).toEqual([
          { name: "alice", createdAt: 1_000, lastActive: 2_500, devices: 2, deactivated: false },
          { name: "bob", createdAt: 1_000, lastActive: null, devices: 0, deactivated: true },
        ]);
        expect(await store.setPasswordHash("alice", "new hash")).toBe(true);
        expect(await store.userByName("alice")).toMatchObject({ passwordHash: "new hash" });
        expect(await store.deviceByTokenHash("token-a1")).toBeNull();
        expect(await store.devicesOf(alice.id)).toEqual([]);
        expect(await store.setPasswordHash("nobody", "h")).toBe(false);
      });
    });

    describe("the user's own account changes", () => {
      test("a password change keeps the changing device and, as chosen, logs the others out or keeps them", async () => {
        const alice = await user("alice");
        const laptop = (await store.createDevice(alice.id, "laptop", "token-a1", 2_000, 10))!;
        const phone = (await store.createDevice(alice.id, "phone", "token-a2", 2_000, 10))!;
        expect(await store.changePassword(alice.id, "kept hash", "all")).toEqual([]);
        expect(await store.existingDevices([laptop.id, phone.id])).toEqual([laptop.id, phone.id]);
        const other = await openAnother();
        expect(await other.changePassword(alice.id, "new hash", laptop.id)).toEqual([phone.id]);
        expect(await store.userByName("alice")).toMatchObject({ passwordHash: "new hash" });
        expect(await store.deviceByTokenHash("token-a1")).toMatchObject({ id: laptop.id });
        expect(await store.deviceByTokenHash("token-a2")).toBeNull();
      });

      test("a deleted account loses devices and groups, keeps its messages as 'deleted account', and frees its name", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        await store.createDevice(bob.id, "phone", "token-b1", 2_000, 10);
        const group = (await store.createGroup("team", bob.id, [alice.id, carol.id], 2_000))!;
        await append([message(conv, bob, "m1", "hello alice"), message(conv, alice, "m2"), react(conv, bob, "r1", "m2", "👍"), reply(conv, alice, "m3", "m1")]);
        await append([message(group.conv, bob, "g1", "hi team")]);
        await store.addContact(alice.id, bob.id, 3_000);
        await store.addContact(bob.id, alice.id, 3_000);
        await store.addContact(alice.id, carol.id, 3_000);
        await store.addContact(carol.id, alice.id, 3_000);
        await store.block(carol.id, bob.id, 3_000);
        expect(await store.nameRetiredAt("bob")).toBeNull();

        const other = await openAnother();
        expect(await other.deleteAccount("bob", 5_000)).toBe(bob.id);
        expect(await store.deleteAccount("bob", 5_001)).toBeNull();
        expect(await store.accountState(bob.id)).toBe("deleted");
        expect(await store.deviceByTokenHash("token-b1")).toBeNull();
        expect(await store.userByName("bob")).toBeNull();
        expect(await store.nameRetiredAt("bob")).toBe(5_000);
        expect((await store.listUsers()).map((row) => row.name)).toEqual(["alice", "carol"]);
        // The group goes on without them, with an admin (its longest-standing member).
        expect(await store.groupMembers(group.conv)).toEqual([{ userId: alice.id, name: "alice", role: "admin" }, { userId: carol.id, name: "carol", role: "member" }]);
        // alice keeps the conversation and everything in it, with the sender shown as deleted.
        const events = await eventsById(conv, alice.id);
        expect(events.get("m1")).toMatchObject({ sender: DELETED_ACCOUNT, body: { kind: "message", text: "hello alice" } });
        expect(events.get("m3")?.quote).toMatchObject({ from: DELETED_ACCOUNT });
        expect((await eventsById(group.conv, alice.id)).get("g1")).toMatchObject({ sender: DELETED_ACCOUNT });
        expect(await store.reactionsTo(conv, [2])).toEqual([{ seq: 2, emoji: "👍", user: DELETED_ACCOUNT }]);
        expect((await store.membershipsOf(alice.id)).find((membership) => membership.conv === conv)?.title).toBe(DELETED_ACCOUNT);
        expect((await store.membersOf(conv)).map((member) => member.name).sort()).toEqual(["alice", DELETED_ACCOUNT].sort());
        // Nobody keeps it as a contact or blocked, so nothing of it reaches the next owner of the name.
        expect((await store.contactsOf(alice.id)).map((contact) => contact.name)).toEqual(["carol"]);
        expect((await store.contactListOf(alice.id)).map((contact) => contact.name)).toEqual(["carol"]);
        expect(await store.hasBlocked(carol.id, bob.id)).toBe(false);

        // The name may be taken again, by a new account that shares nothing with the old one.
        const newBob = await user("bob");
        expect(newBob.id).not.toBe(bob.id);
        expect(await store.accountState(newBob.id)).toBe("active");
        expect((await store.membershipsOf(newBob.id))).toEqual([]);
        expect(await store.directConversation(alice.id, newBob.id, 6_000)).not.toBe(conv);
        // Deleting the new one too keeps the later date.
        expect(await store.deleteAccount("bob", 7_000)).toBe(newBob.id);
        expect(await store.nameRetiredAt("bob")).toBe(7_000);
      });
    });

    describe("devices", () => {
      test("two servers logging one user in at once never pass the device cap", async () => {
        const alice = await user("alice");
        const other = await openAnother();
        const logins = Array.from({ length: 8 }, (_, index) =>
          (index % 2 ? other : store).createDevice(alice.id, `device ${index}`, `token-${index}`, 5_000 + index, 3),
        );
        const created = (await Promise.all(logins)).filter((device) => device !== null);
        expect(created).toHaveLength(3);
        expect(await store.devicesOf(alice.id)).toHaveLength(3);
        expect(await store.createDevice(alice.id, "one more", "token-9", 6_000, 3)).toBeNull();
      });

      test("a device is found by its token hash and listed with its user's others", async () => {
        const alice = await user("alice");
        const phone = (await store.createDevice(alice.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const laptop = (await store.createDevice(alice.id, "laptop", "token-2", 6_000, MANY_DEVICES))!;
        expect(phone).toMatchObject({ userId: alice.id, name: "phone", createdAt: 5_000, lastActive: 5_000 });
        expect(await store.deviceByTokenHash("token-2")).toEqual(laptop);
        expect(await store.deviceByTokenHash("token-3")).toBeNull();
        expect(await store.devicesOf(alice.id)).toEqual([phone, laptop]);
      });

      test("touching devices records when they were last active", async () => {
        const alice = await user("alice");
        const phone = (await store.createDevice(alice.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const laptop = (await store.createDevice(alice.id, "laptop", "token-2", 5_000, MANY_DEVICES))!;
        await store.touchDevices([phone.id], 9_000);
        await store.touchDevices([], 9_500);
        const byId = new Map((await store.devicesOf(alice.id)).map((d) => [d.id, d.lastActive]));
        expect(byId.get(phone.id)).toBe(9_000);
        expect(byId.get(laptop.id)).toBe(5_000);
      });

      test("a revoked device loses its token and cursors; only its owner can revoke it", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const phone = (await store.createDevice(alice.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        expect(await store.revokeDevice(bob.id, phone.id)).toBe(false);
        expect(await store.deviceByTokenHash("token-1")).not.toBeNull();

        expect(await store.revokeDevice(alice.id, phone.id)).toBe(true);
        expect(await store.deviceByTokenHash("token-1")).toBeNull();
        expect(await store.devicesOf(alice.id)).toEqual([]);
        expect((await store.cursorsOf(phone.id)).has(conv)).toBe(false);
        expect(await store.revokeDevice(alice.id, phone.id)).toBe(false);
      });

      test("a new device starts where its user's delivery stands: undelivered messages still reach it", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);
        await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 2 }]);

        const laptop = (await store.createDevice(bob.id, "laptop", "token-2", 6_000, MANY_DEVICES))!;
        const start = (await store.cursorsOf(laptop.id)).get(conv) ?? 0;
        expect(start).toBe(2);
        expect((await store.eventsAfter(conv, start, 100, NOBODY)).map((m) => m.clientId)).toEqual(["a3"]);
      });
    });

    describe("conversations", () => {
      test("a direct conversation is created once, on first use, with both users as members from the start", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        expect(await store.findDirectConversation(bob.id, alice.id)).toBe(conv);
        expect(await store.findDirectConversation(alice.id, carol.id)).toBeNull();
        expect(await store.directConversation(bob.id, alice.id, 3_000)).toBe(conv);

        expect(await store.membershipsOf(alice.id)).toEqual([{ conv, kind: "direct", title: "bob", lastSeq: 0, joinedSeq: 0 }]);
        expect(await store.membershipsOf(bob.id)).toEqual([{ conv, kind: "direct", title: "alice", lastSeq: 0, joinedSeq: 0 }]);
        expect(await store.membersOf(conv)).toEqual([
          { userId: alice.id, name: "alice", delivered: 0, read: 0 },
          { userId: bob.id, name: "bob", delivered: 0, read: 0 },
        ]);
      });

      test("one membership is found by conversation; a conversation the user is not in has none", async () => {
        const { alice, conv } = await aliceAndBob();
        const carol = await user("carol");
        expect(await store.membership(alice.id, conv)).toEqual({ conv, kind: "direct", title: "bob", lastSeq: 0, joinedSeq: 0 });
        expect(await store.membership(carol.id, conv)).toBeNull();
        const group = (await store.createGroup("team", carol.id, [alice.id], 1))!;
        expect(await store.membership(alice.id, group.conv)).toMatchObject({ conv: group.conv, kind: "group", title: "team" });
      });

      test("each pair of users has its own conversation", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const aliceCarol = await store.directConversation(carol.id, alice.id, 3_000);
        expect(aliceCarol).not.toBe(conv);
        const titles = (await store.membershipsOf(alice.id)).map((m) => m.title).sort();
        expect(titles).toEqual(["bob", "carol"]);
        expect(await store.membershipsOf(bob.id)).toHaveLength(1);
        expect(await store.membersOf(aliceCarol + conv + 1_000)).toEqual([]);
      });

      test("two servers opening the same conversation at once get one conversation", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const other = await openAnother();
        const ids = await Promise.all([
          store.directConversation(alice.id, bob.id, 2_000),
          other.directConversation(bob.id, alice.id, 2_000),
          store.directConversation(bob.id, alice.id, 2_000),
          other.directConversation(alice.id, bob.id, 2_000),
        ]);
        expect(new Set(ids).size).toBe(1);
        expect(await store.membershipsOf(alice.id)).toHaveLength(1);
        expect(await store.membersOf(ids[0]!)).toHaveLength(2);
      });

      test("a user's conversations with messages come in one read, with every member's marks and read-receipt choice", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const quiet = await store.directConversation(alice.id, carol.id, 3_000);
        const team = (await store.createGroup("team", carol.id, [alice.id], 4_000))!;
        await append([message(conv, alice, "a1"), message(conv, bob, "b1"), message(team.conv, carol, "c1")]);
        await saveRead(store, bob.id, conv, 1);
        await store.setPrivacy(bob.id, { readReceipts: false });
        const marks = await store.conversationMarksOf(alice.id);
        expect(marks.map((conversation) => conversation.conv)).not.toContain(quiet);
        expect(marks).toEqual([
          {
            conv,
            kind: "direct",
            name: null,
            members: [
              { userId: alice.id, name: "alice", delivered: 1, read: 1, sharesReadReceipts: true },
              { userId: bob.id, name: "bob", delivered: 1, read: 1, sharesReadReceipts: false },
            ],
          },
          {
            conv: team.conv,
            kind: "group",
            name: "team",
            members: [
              { userId: alice.id, name: "alice", delivered: 0, read: 0, sharesReadReceipts: true },
              { userId: carol.id, name: "carol", delivered: 1, read: 1, sharesReadReceipts: true },
            ],
          },
        ]);
        expect(await store.conversationMarksOf((await user("dave")).id)).toEqual([]);
        expect(await store.conversationMarksOf(alice.id, "direct")).toEqual([marks[0]!]);
        expect(await store.conversationMarksOf(alice.id, "group")).toEqual([marks[1]!]);
      });

      test("a group's receipt marks are its lowest over every member, for one group or for all of a user's groups with messages", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const team = (await store.createGroup("team", alice.id, [bob.id, carol.id], 3_000))!;
        const quiet = (await store.createGroup("quiet", alice.id, [bob.id], 3_000))!;
        await append([message(conv, alice, "a1"), message(team.conv, alice, "t1"), message(team.conv, alice, "t2")]);
        await saveRead(store, bob.id, team.conv, 2);
        await saveRead(store, carol.id, team.conv, 1);
        const teamMarks = { conv: team.conv, name: "team", delivered: 1, read: 1 };
        expect(await store.groupMarks(team.conv)).toEqual(teamMarks);
        expect(await store.groupMarks(quiet.conv)).toEqual({ conv: quiet.conv, name: "quiet", delivered: 0, read: 0 });
        expect(await store.groupMarks(conv)).toBeNull();
        // Only groups with messages: the quiet group and the direct conversation are left out.
        expect(await store.groupMarksOf(bob.id)).toEqual([teamMarks]);
      });

      test("a direct conversation is known as such, without a name; an unknown one is not known", async () => {
        const { conv } = await aliceAndBob();
        expect(await store.conversationInfo(conv)).toEqual({ kind: "direct", name: null });
        expect(await store.conversationInfo(conv + 1_000)).toBeNull();
      });

      test("membership shows how far the conversation's stream has got", async () => {
        const { alice, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1"), message(conv, alice, "a2")]);
        expect((await store.membershipsOf(alice.id))[0]?.lastSeq).toBe(2);
      });
    });

    describe("appending messages", () => {
      test("a batch gets dense, increasing sequences per conversation, in batch order", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const other = await store.directConversation(alice.id, carol.id, 3_000);
        const batch = [
          message(conv, alice, "a1"),
          message(other, alice, "c1"),
          message(conv, bob, "b1"),
          message(conv, alice, "a2"),
          message(other, carol, "c2"),
        ];
        const results = await append(batch);
        expect(results).toEqual([
          storedAs(1, batch[0]!.sentAt),
          storedAs(1, batch[1]!.sentAt),
          storedAs(2, batch[2]!.sentAt),
          storedAs(3, batch[3]!.sentAt),
          storedAs(2, batch[4]!.sentAt),
        ]);
        const next = await append([message(conv, bob, "b2")]);
        expect(next[0]).toMatchObject({ ok: true, seq: 4 });
      });

      test("batches handed over while earlier ones commit are committed in the order they were given", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const appends = Array.from({ length: 5 }, (_, index) =>
          append([message(conv, index % 2 ? bob : alice, `m${index}a`), message(conv, alice, `m${index}b`)]),
        );
        const seqs = (await Promise.all(appends)).flat().map((result) => (result.ok ? result.seq : null));
        expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect((await store.eventsAfter(conv, 0, 20, NOBODY)).map((stored) => stored.clientId)).toEqual(
          [0, 1, 2, 3, 4].flatMap((index) => [`m${index}a`, `m${index}b`]),
        );
      });

      test("stored messages come back whole, with their sender's name", async () => {
        const { alice, conv } = await aliceAndBob();
        const text = "Hello Bob 👋 — «quotes», 'apostrophes', {braces}, back\\slash, NULL,\nand a second line";
        const sent = message(conv, alice, "m-01HZX", text);
        await append([sent]);
        expect(await store.eventsAfter(conv, 0, 10, NOBODY)).toEqual([
          {
            conv,
            seq: 1,
            clientId: "m-01HZX",
            senderId: alice.id,
            sender: "alice",
            sentAt: sent.sentAt,
            body: { kind: "message", text },
            editedAt: null,
            deleted: false,
            expiresAt: null,
            quote: null,
            hidden: false,
          },
        ]);
      });

      test("an id someone else used in the conversation is refused, in the same batch or a later one, and takes no sequence", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const taken = refused("id_taken");
        const results = await append([message(conv, alice, "m-1"), message(conv, bob, "m-1", "same id, other sender")]);
        expect(results).toEqual([storedAs(1, expect.any(Number)), taken]);
        expect(await append([message(conv, bob, "m-1", "again")])).toEqual([taken]);
        expect(await append([reply(conv, bob, "m-1", "m-1")])).toEqual([taken]);
        const next = message(conv, bob, "b-1");
        expect(await append([next])).toEqual([storedAs(2, next.sentAt)]);
        expect(textsOf(await store.eventsAfter(conv, 0, 10, NOBODY))).toEqual(["text of m-1", "text of b-1"]);
      });

      test("senders have seen what they wrote: their marks move up to it, but never over others' messages", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const marks = async () => (await store.membersOf(conv)).map((m) => [m.name, m.delivered, m.read]);
        await append([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, bob, "b1"), message(conv, alice, "a3")]);
        // alice's marks follow her run a1-a2; b1 stops them, and bob's never reached a1.
        expect(await marks()).toEqual([
          ["alice", 2, 2],
          ["bob", 0, 0],
        ]);
        // A reply before acknowledging leaves the marks where the acknowledgements put them (the sender's ✓✓ still comes).
        await append([message(conv, bob, "b2")]);
        expect(await marks()).toEqual([
          ["alice", 2, 2],
          ["bob", 0, 0],
        ]);
        await store.saveDelivered([{ device: (await store.createDevice(bob.id, "phone", "tb", 1, MANY_DEVICES))!.id, userId: bob.id, conv, seq: 5 }]);
        await append([message(conv, bob, "b3")]);
        expect(await marks()).toEqual([
          ["alice", 2, 2],
          ["bob", 6, 0],
        ]);
      });

      test("an empty batch stores nothing", async () => {
        expect(await append([])).toEqual([]);
      });

      test("a sender who is not a member is refused, and the rest of the batch is stored", async () => {
        const { alice, conv } = await aliceAndBob();
        const mallory = await user("mallory");
        const results = await append([message(conv, mallory, "x1"), message(conv, alice, "a1")]);
        expect(results[0]).toEqual({ ok: false, reason: "not_member" });
        expect(results[1]).toMatchObject({ ok: true, seq: 1 });
        expect((await store.eventsAfter(conv, 0, 10, NOBODY)).map((m) => m.sender)).toEqual(["alice"]);
      });

      test("a retried message is stored once and answered with its original sequence and time", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const original = message(conv, alice, "a1");
        const [stored] = await append([original]);
        const retry = { ...original, text: "edited on retry", sentAt: original.sentAt + 5_000 };
        const results = await append([message(conv, bob, "b1"), retry]);
        expect(results[1]).toEqual(storedAs(1, original.sentAt, true));
        expect(stored).toEqual(storedAs(1, original.sentAt));
        const messages = await store.eventsAfter(conv, 0, 10, NOBODY);
        expect(messages.map((m) => [m.seq, m.clientId, textOf(m.body)])).toEqual([
          [1, "a1", textOf(original)],
          [2, "b1", "text of b1"],
        ]);
      });

      test("a message repeated within one batch is stored once", async () => {
        const { alice, conv } = await aliceAndBob();
        const first = message(conv, alice, "a1");
        const results = await append([first, message(conv, alice, "a2"), { ...first, sentAt: first.sentAt + 1 }]);
        expect(results).toEqual([
          storedAs(1, first.sentAt),
          storedAs(2, expect.any(Number)),
          storedAs(1, first.sentAt, true),
        ]);
        expect(await seqsOf(conv)).toEqual([1, 2]);
      });

      test("two servers appending at once, retrying the same messages, keep one copy each and no gaps", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const other = await openAnother();
        const sends = Array.from({ length: 40 }, (_, i) => message(conv, i % 2 === 0 ? alice : bob, `m${i}`));
        const batches = Array.from({ length: 10 }, (_, i) => sends.slice(i * 4, i * 4 + 4));
        // Each batch goes to both servers at once, as when a client retries on another server.
        const answers = await Promise.all(
          batches.flatMap((batch) => [append(batch), append([...batch].reverse(), other)]),
        );

        const seqOfId = new Map<string, number>();
        for (const [i, answer] of answers.entries()) {
          const batch = i % 2 === 0 ? batches[i / 2]! : [...batches[(i - 1) / 2]!].reverse();
          for (const [j, result] of answer.entries()) {
            if (!result.ok) throw new Error(`${batch[j]!.clientId} was refused`);
            const id = batch[j]!.clientId;
            expect(seqOfId.get(id) ?? result.seq).toBe(result.seq);
            seqOfId.set(id, result.seq);
          }
        }
        const stored = await store.eventsAfter(conv, 0, 1_000, NOBODY);
        expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        expect(new Set(stored.map((m) => m.clientId)).size).toBe(40);
        for (const m of stored) expect(seqOfId.get(m.clientId)).toBe(m.seq);
        expect((await other.membershipsOf(alice.id))[0]?.lastSeq).toBe(40);
      });
    });

    describe("reading messages", () => {
      test("messages after a cursor come oldest first, up to the limit", async () => {
        const { alice, conv } = await aliceAndBob();
        await append(Array.from({ length: 5 }, (_, i) => message(conv, alice, `a${i + 1}`)));
        expect((await store.eventsAfter(conv, 1, 3, NOBODY)).map((m) => m.seq)).toEqual([2, 3, 4]);
        expect((await store.eventsAfter(conv, 5, 3, NOBODY)).map((m) => m.seq)).toEqual([]);
      });

      test("history pages go newest first, each page before the last one seen", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append(Array.from({ length: 5 }, (_, i) => message(conv, i % 2 ? bob : alice, `m${i + 1}`)));
        const page1 = await store.timelineBefore(conv, null, 2, NOBODY);
        expect(page1.map((m) => m.seq)).toEqual([5, 4]);
        const page2 = await store.timelineBefore(conv, page1.at(-1)!.seq, 2, NOBODY);
        expect(page2.map((m) => m.seq)).toEqual([3, 2]);
        const page3 = await store.timelineBefore(conv, page2.at(-1)!.seq, 2, NOBODY);
        expect(page3.map((m) => [m.seq, m.sender])).toEqual([[1, "alice"]]);
      });

      test("messages of one conversation never show in another", async () => {
        const { alice, conv } = await aliceAndBob();
        const carol = await user("carol");
        const other = await store.directConversation(alice.id, carol.id, 3_000);
        await append([message(conv, alice, "to-bob"), message(other, alice, "to-carol")]);
        expect((await store.eventsAfter(other, 0, 10, NOBODY)).map((m) => m.clientId)).toEqual(["to-carol"]);
        expect((await store.timelineBefore(conv, null, 10, NOBODY)).map((m) => m.clientId)).toEqual(["to-bob"]);
      });
    });

    /** A group made by `creator` (its admin) with `others` as members. */
    async function groupOf(name: string, creator: User, others: User[]): Promise<ConversationId> {
      const group = await store.createGroup(name, creator.id, others.map((other) => other.id), 2_000);
      if (!group) throw new Error(`#${name} exists already`);
      return group.conv;
    }
    const idsOf = (page: { events: StoredEvent[] }) => page.events.map((event) => event.clientId);
    /** Search as the service does it: what is stored is indexed first. */
    const search = async (reader: User, words: string[]) => {
      await store.indexForSearch(100_000);
      return idsOf(await store.searchMessages(reader.id, words, null, 100));
    };

    describe("events of every kind", () => {
      test("batches of every kind handed over while earlier ones commit are committed, and judged, in the order they were given", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        // Each odd batch replies and reacts to the messages of the batch before it: refused unless that one was stored first.
        const batches = Array.from({ length: 6 }, (_, i) =>
          i % 2
            ? [reply(conv, bob, `m${i}a`, `m${i - 1}b`), react(conv, alice, `m${i}b`, `m${i - 1}a`, "👍")]
            : [message(conv, alice, `m${i}a`), message(conv, bob, `m${i}b`)],
        );
        const answers = await Promise.all(batches.map((batch) => append(batch)));
        expect(answers.flat().map((result) => (result.ok ? result.seq : result))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        expect((await store.eventsAfter(conv, 0, 20, NOBODY)).map((event) => event.clientId)).toEqual(batches.flat().map((event) => event.clientId));
      });

      test("senders' marks move through their own run whatever kinds of events it holds", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1"), react(conv, alice, "a2", "a1", "👍"), message(conv, bob, "b1"), edit(conv, alice, "a3", "a1", "new")]);
        expect((await store.membersOf(conv)).map((m) => [m.name, m.delivered, m.read])).toEqual([
          ["alice", 2, 2],
          ["bob", 0, 0],
        ]);
      });

      test("two servers storing replies and reactions at once, retrying the same events, keep one copy each and no gaps", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const other = await openAnother();
        const bases = Array.from({ length: 8 }, (_, i) => message(conv, i % 2 ? bob : alice, `m${i}`));
        await append(bases);
        const shared = bases.map((base, i) => [
          reply(conv, alice, `r${i}`, base.clientId),
          react(conv, bob, `x${i}`, base.clientId, "👍"),
          message(conv, bob, `p${i}`),
        ]);
        // Each batch goes to both servers at once, as when a client retries on another server,
        // along with a reply only that server is given.
        const batches = shared.flatMap((events, i) => [
          { on: store, events: [...events, reply(conv, alice, `s${i}`, `m${i}`)] },
          { on: other, events: [...events, reply(conv, bob, `o${i}`, `m${i}`)] },
        ]);
        const answers = await Promise.all(batches.map(({ on, events }) => append(events, on)));
        const seqOfId = new Map<string, number>();
        for (const [i, answer] of answers.entries()) {
          for (const [j, result] of answer.entries()) {
            const id = batches[i]!.events[j]!.clientId;
            if (!result.ok) throw new Error(`${id} was refused: ${JSON.stringify(result)}`);
            expect(seqOfId.get(id) ?? result.seq).toBe(result.seq);
            seqOfId.set(id, result.seq);
          }
        }
        const stored = await store.eventsAfter(conv, 0, 1_000, NOBODY);
        expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
        for (const event of stored.slice(8)) expect(seqOfId.get(event.clientId)).toBe(event.seq);
        expect(await store.reactionsTo(conv, Array.from({ length: 8 }, (_, i) => i + 1))).toHaveLength(8);
        expect((await other.membershipsOf(alice.id))[0]?.lastSeq).toBe(48);
      });
    });

    describe("replies", () => {
      test("a reply carries the quoted message, who wrote it and the start of its text, when stored and when read", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const long = "word ".repeat(40).trim();
        await append([message(conv, bob, "b1", long)]);
        const quote = { id: "b1", from: "bob", text: `${long.slice(0, 99)}…`, deleted: false };
        const sent = reply(conv, alice, "a1", "b1", "about that");
        expect(await append([sent])).toEqual([{ ok: true, seq: 2, sentAt: sent.sentAt, duplicate: false, expiresAt: null, quote }]);
        const read = (await eventsById(conv)).get("a1")!;
        expect(read.body).toEqual({ kind: "message", text: "about that", replyTo: "b1" });
        expect(read.quote).toEqual(quote);
        expect((await store.timelineBefore(conv, null, 10, NOBODY))[0]!.quote).toEqual(quote);
        expect((await eventsById(conv)).get("b1")!.quote).toBeNull();
        // the quote is the message as it stands: edited, then gone
        await append([edit(conv, bob, "b1-e", "b1", "short now")]);
        expect((await eventsById(conv)).get("a1")!.quote).toEqual({ ...quote, text: "short now" });
        await append([remove(conv, bob, "b1-d", "b1")]);
        expect((await eventsById(conv)).get("a1")!.quote).toEqual({ ...quote, text: "", deleted: true });
      });

      test("a reply to an unknown id, to a message of another conversation, or to an event that is no message is refused", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const other = await store.directConversation(alice.id, carol.id, 3_000);
        await append([message(other, carol, "c1"), message(conv, bob, "b1"), react(conv, alice, "r1", "b1", "👍")]);
        expect(await append([reply(conv, alice, "a1", "nope"), reply(conv, alice, "a2", "c1"), reply(conv, alice, "a3", "r1")])).toEqual([
          refused("unknown_message"),
          refused("unknown_message"),
          refused("unknown_message"),
        ]);
        expect(await seqsOf(conv)).toEqual([1, 2]);
        expect((await store.membership(alice.id, conv))?.lastSeq).toBe(2);
      });
    });

    describe("edits", () => {
      test("the author's edit within the window replaces the message's text wherever it is read, search included", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const original = message(conv, alice, "a1", "see you at noon");
        await append([original, message(conv, bob, "b1")]);
        const fix = at(edit(conv, alice, "a1-e", "a1", "see you at one"), original.sentAt + POLICY.editWindowMs - 1);
        expect(await append([fix])).toEqual([storedAs(3, fix.sentAt)]);

        const byId = await eventsById(conv);
        expect(byId.get("a1")).toMatchObject({ seq: 1, body: { kind: "message", text: "see you at one" }, editedAt: fix.sentAt, deleted: false });
        expect(byId.get("a1-e")).toMatchObject({ seq: 3, sender: "alice", body: { kind: "edit", target: "a1", text: "see you at one" } });
        expect((await store.timelineBefore(conv, null, 10, NOBODY)).map((event) => [event.clientId, textOf(event.body)])).toEqual([
          ["b1", "text of b1"],
          ["a1", "see you at one"],
        ]);
        expect(await search(bob, ["one"])).toEqual(["a1"]);
        expect(await search(bob, ["noon"])).toEqual([]);
      });

      test("only the author may edit, only within the window, and only a message that exists", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const original = message(conv, alice, "a1", "first words");
        await append([original]);
        const late = at(edit(conv, alice, "a1-late", "a1", "too late"), original.sentAt + POLICY.editWindowMs + 1);
        expect(await append([edit(conv, bob, "b1-e", "a1", "bob's words"), late, edit(conv, alice, "x-e", "nope", "x")])).toEqual([
          refused("forbidden"),
          refused("forbidden"),
          refused("unknown_message"),
        ]);
        expect((await eventsById(conv)).get("a1")).toMatchObject({ body: { kind: "message", text: "first words" }, editedAt: null });
        expect(await seqsOf(conv)).toEqual([1]);
      });

      test("a deleted message cannot be edited", async () => {
        const { alice, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1", "oops")]);
        await append([remove(conv, alice, "a1-d", "a1")]);
        expect(await append([edit(conv, alice, "a1-e", "a1", "back again")])).toEqual([refused("forbidden")]);
        expect((await eventsById(conv)).get("a1")).toMatchObject({ body: { kind: "message", text: "" }, deleted: true, editedAt: null });
      });

      test("a message and its edit in one batch are both stored, and what comes after sees the edit", async () => {
        const { alice, conv } = await aliceAndBob();
        const results = await append([message(conv, alice, "a1", "typo"), edit(conv, alice, "a1-e", "a1", "fixed"), reply(conv, alice, "a2", "a1", "and more")]);
        expect(results.map((result) => result.ok && result.seq)).toEqual([1, 2, 3]);
        expect(results[2]).toMatchObject({ quote: { id: "a1", from: "alice", text: "fixed", deleted: false } });
        expect((await eventsById(conv)).get("a1")!.body).toEqual({ kind: "message", text: "fixed" });
      });
    });

    describe("deletes", () => {
      test("the author's delete within 48 hours removes the text of the message and its edits, its reactions, and its place in search", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const original = message(conv, alice, "a1", "secret plans");
        await append([original, edit(conv, alice, "a1-e", "a1", "secret plans revised"), react(conv, bob, "b-r", "a1", "😮"), message(conv, bob, "b1", "secret too")]);
        expect(await search(bob, ["secret"])).toEqual(["b1", "a1"]);
        expect(await store.reactionsTo(conv, [1])).toEqual([{ seq: 1, emoji: "😮", user: "bob" }]);

        const gone = at(remove(conv, alice, "a1-d", "a1"), original.sentAt + POLICY.deleteWindowMs - 1);
        expect(await append([gone])).toEqual([storedAs(5, gone.sentAt)]);
        const byId = await eventsById(conv);
        expect(byId.get("a1")).toMatchObject({ body: { kind: "message", text: "" }, deleted: true });
        expect(byId.get("a1-e")!.body).toEqual({ kind: "edit", target: "a1", text: "" });
        expect(byId.get("a1-d")!.body).toEqual({ kind: "delete", target: "a1" });
        expect(byId.get("b1")).toMatchObject({ body: { kind: "message", text: "secret too" }, deleted: false });
        expect(await store.reactionsTo(conv, [1])).toEqual([]);
        expect(await search(bob, ["secret"])).toEqual(["b1"]);
        expect(await search(alice, ["plans"])).toEqual([]);
      });

      test("a member cannot delete someone else's message, nor their own after 48 hours, nor one deleted already", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const original = message(conv, alice, "a1", "still here");
        await append([original]);
        const late = at(remove(conv, alice, "a1-late", "a1"), original.sentAt + POLICY.deleteWindowMs + 1);
        expect(await append([remove(conv, bob, "b-d", "a1"), late])).toEqual([refused("forbidden"), refused("forbidden")]);
        expect((await eventsById(conv)).get("a1")).toMatchObject({ body: { kind: "message", text: "still here" }, deleted: false });
        expect(await append([remove(conv, alice, "a1-d", "a1"), remove(conv, alice, "a1-d2", "a1")])).toEqual([
          storedAs(2, expect.any(Number)),
          refused("forbidden"),
        ]);
      });

      test("a group admin may delete anyone's message in the group, whenever; a member only their own", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const carol = await user("carol");
        const group = await groupOf("team", alice, [bob, carol]);
        const old = message(group, bob, "b1", "off topic");
        await append([old, message(group, carol, "c1", "mine")]);
        expect(await append([remove(group, carol, "c-d", "b1")])).toEqual([refused("forbidden")]);
        expect(await append([at(remove(group, alice, "a-d", "b1"), old.sentAt + POLICY.deleteWindowMs * 10)])).toEqual([storedAs(3, expect.any(Number))]);
        expect(await append([remove(group, carol, "c-d2", "c1")])).toEqual([storedAs(4, expect.any(Number))]);
        const byId = await eventsById(group);
        expect([byId.get("b1")!.deleted, byId.get("c1")!.deleted]).toEqual([true, true]);
        expect(textsOf([byId.get("b1")!, byId.get("c1")!])).toEqual(["", ""]);
      });
    });

    describe("reactions", () => {
      test("one reaction per person per message: a new one replaces theirs, none removes it", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1"), message(conv, bob, "b1")]);
        await append([react(conv, bob, "r1", "a1", "👍"), react(conv, alice, "r2", "a1", "😂"), react(conv, alice, "r3", "b1", "❤️")]);
        expect(await store.reactionsTo(conv, [1, 2])).toEqual([
          { seq: 1, emoji: "😂", user: "alice" },
          { seq: 1, emoji: "👍", user: "bob" },
          { seq: 2, emoji: "❤️", user: "alice" },
        ]);
        await append([react(conv, bob, "r4", "a1", "🎉"), react(conv, alice, "r5", "b1", null)]);
        expect(await store.reactionsTo(conv, [1, 2])).toEqual([
          { seq: 1, emoji: "😂", user: "alice" },
          { seq: 1, emoji: "🎉", user: "bob" },
        ]);
        expect(await store.reactionsTo(conv, [2])).toEqual([]);
        expect(await store.reactionsTo(conv, [])).toEqual([]);
        // reactions are events of the stream, but history shows the messages
        expect((await eventsById(conv)).get("r5")!.body).toEqual({ kind: "reaction", target: "b1", emoji: null });
        expect((await store.timelineBefore(conv, null, 10, NOBODY)).map((event) => event.clientId)).toEqual(["b1", "a1"]);
      });

      test("a deleted message takes no reactions, and an unknown one none either", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1"), remove(conv, alice, "a1-d", "a1")]);
        expect(await append([react(conv, bob, "r1", "a1", "👍"), react(conv, bob, "r2", "nope", "👍")])).toEqual([
          refused("forbidden"),
          refused("unknown_message"),
        ]);
        expect(await store.reactionsTo(conv, [1])).toEqual([]);
        expect(await seqsOf(conv)).toEqual([1, 2]);
      });
    });

    describe("notices", () => {
      test("a notice is stored in the stream, in order, and read back as it was sent", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const group = await groupOf("team", alice, [bob]);
        const renamed: Notice = { change: "renamed", group: "core", previousName: "team" };
        const results = await append([message(group, bob, "b1"), notice(group, alice, "n1", renamed), message(group, bob, "b2")]);
        expect(results.map((result) => result.ok && result.seq)).toEqual([1, 2, 3]);
        const stored = (await eventsById(group)).get("n1")!;
        expect(stored).toMatchObject({ seq: 2, sender: "alice", body: { kind: "notice", notice: renamed } });
        expect(decodeBody("notice", JSON.stringify(renamed), null)).toEqual(stored.body);
        expect((await store.timelineBefore(group, null, 10, NOBODY)).map((event) => event.clientId)).toEqual(["b2", "n1", "b1"]);
      });

      test("only a group's admins may set its disappearing-message timer; in a direct conversation either person may", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const group = await groupOf("team", alice, [bob]);
        expect(await append([notice(group, bob, "t1", { change: "timer", seconds: 60 })])).toEqual([refused("forbidden")]);
        const [plain] = await append([message(group, bob, "b1")]);
        expect(plain).toMatchObject({ ok: true, seq: 1, expiresAt: null });
        expect(await append([notice(conv, bob, "t2", { change: "timer", seconds: 60 })])).toEqual([storedAs(1, expect.any(Number))]);
        const [timed] = await append([message(conv, alice, "a1")]);
        expect(timed).toMatchObject({ ok: true, seq: 2, expiresAt: expect.any(Number) });
      });

      test("after a timer notice new messages disappear: each gets its end, and expiring removes their text once", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([message(conv, bob, "b0", "kept forever")]);
        const first = message(conv, alice, "a1", "vanishing one");
        // the notice and a message in one batch, then a message on its own
        const [, firstAnswer] = await append([notice(conv, alice, "t1", { change: "timer", seconds: 60 }), first]);
        const second = message(conv, bob, "b1", "vanishing two");
        const [secondAnswer] = await append([second]);
        expect(firstAnswer).toMatchObject({ ok: true, seq: 3, expiresAt: first.sentAt + 60_000 });
        expect(secondAnswer).toMatchObject({ ok: true, seq: 4, expiresAt: second.sentAt + 60_000 });
        expect(await append([second])).toEqual([{ ok: true, seq: 4, sentAt: second.sentAt, duplicate: true, expiresAt: second.sentAt + 60_000, quote: null }]);
        await append([edit(conv, alice, "a1-e", "a1", "vanishing one, edited")]);
        const byId = await eventsById(conv);
        expect([byId.get("b0")!.expiresAt, byId.get("a1")!.expiresAt, byId.get("b1")!.expiresAt]).toEqual([null, first.sentAt + 60_000, second.sentAt + 60_000]);

        expect(await store.expireEvents(first.sentAt + 60_000 - 1)).toBe(0);
        expect(await store.expireEvents(first.sentAt + 60_000)).toBe(1);
        const afterFirst = await eventsById(conv);
        expect(afterFirst.get("a1")).toMatchObject({ body: { kind: "message", text: "" }, deleted: true });
        expect(afterFirst.get("a1-e")!.body).toEqual({ kind: "edit", target: "a1", text: "" });
        expect(afterFirst.get("b1")).toMatchObject({ body: { kind: "message", text: "vanishing two" }, deleted: false });
        expect(await search(alice, ["vanishing"])).toEqual(["b1"]);

        expect(await store.expireEvents(second.sentAt + 3_600_000)).toBe(1);
        expect(await store.expireEvents(second.sentAt + 3_600_000)).toBe(0);
        expect(textsOf(await store.eventsAfter(conv, 0, 10, NOBODY))).toEqual(["kept forever", null, "", "", ""]);
        expect(await search(alice, ["vanishing"])).toEqual([]);

        // switched off: messages stay again
        const [, off] = await append([notice(conv, bob, "t2", { change: "timer", seconds: 0 }), message(conv, bob, "b2")]);
        expect(off).toMatchObject({ ok: true, expiresAt: null });
        expect((await append([message(conv, bob, "b3")]))[0]).toMatchObject({ ok: true, expiresAt: null });
      });
    });

    describe("retries and ids", () => {
      test("a retry of any kind of event is answered with the original, and changes nothing again", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const originals = [
          message(conv, alice, "a1", "hello"),
          reply(conv, bob, "b1", "a1"),
          edit(conv, alice, "a1-e", "a1", "hello there"),
          react(conv, bob, "b-r", "a1", "👍"),
          notice(conv, alice, "a-n", { change: "timer", seconds: 0 }),
          remove(conv, bob, "b1-d", "b1"),
        ];
        expect((await append(originals)).map((result) => result.ok && result.seq)).toEqual([1, 2, 3, 4, 5, 6]);
        // retried with other contents (as a buggy client might): the originals answer
        const retries = [
          remove(conv, bob, "b1-d", "b1"),
          notice(conv, alice, "a-n", { change: "timer", seconds: 3_600 }),
          react(conv, bob, "b-r", "a1", "👎"),
          edit(conv, alice, "a1-e", "a1", "something else"),
          reply(conv, bob, "b1", "a1", "another reply"),
          message(conv, alice, "a1", "goodbye"),
        ];
        const answers = await append(retries);
        const seqOf = new Map(originals.map((event, i) => [event.clientId, i + 1]));
        expect(answers).toEqual(
          retries.map((retry) => storedAs(seqOf.get(retry.clientId)!, originals.find((event) => event.clientId === retry.clientId)!.sentAt, true)),
        );
        expect(await seqsOf(conv)).toEqual([1, 2, 3, 4, 5, 6]);
        const byId = await eventsById(conv);
        expect(textsOf([byId.get("a1")!, byId.get("b1")!])).toEqual(["hello there", ""]);
        expect(await store.reactionsTo(conv, [1])).toEqual([{ seq: 1, emoji: "👍", user: "bob" }]);
        expect((await append([message(conv, alice, "a2")]))[0]).toMatchObject({ ok: true, seq: 7, expiresAt: null });
      });

      test("the same id from the same sender in another conversation is a new event there", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const other = await store.directConversation(alice.id, carol.id, 3_000);
        await append([message(conv, alice, "x1", "to bob")]);
        const there = message(other, alice, "x1", "to carol");
        expect(await append([there])).toEqual([storedAs(1, there.sentAt)]);
        expect((await append([react(conv, alice, "r1", "x1", "👍"), react(other, alice, "r1", "x1", "❤️")])).map((result) => result.ok && result.seq)).toEqual([2, 2]);
        expect(textsOf(await store.eventsAfter(conv, 0, 10, NOBODY))).toEqual(["to bob", null]);
        expect(textsOf(await store.eventsAfter(other, 0, 10, NOBODY))).toEqual(["to carol", null]);
        expect(await store.reactionsTo(conv, [1])).toEqual([{ seq: 1, emoji: "👍", user: "alice" }]);
        expect(await store.reactionsTo(other, [1])).toEqual([{ seq: 1, emoji: "❤️", user: "alice" }]);

        expect((await store.conversationsWithEvent(alice.id, "x1")).sort((a, b) => a - b)).toEqual([conv, other].sort((a, b) => a - b));
        expect(await store.conversationsWithEvent(bob.id, "x1")).toEqual([conv]);
        expect(await store.conversationsWithEvent(carol.id, "x1")).toEqual([other]);
        expect(await store.conversationsWithEvent(alice.id, "nope")).toEqual([]);
      });
    });

    describe("hiding", () => {
      test("a message one member hid is hidden from them alone: flagged, and left out of their history and search", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1", "lunch today"), message(conv, bob, "b1", "lunch sounds good"), react(conv, bob, "r1", "a1", "👍")]);
        expect(await store.hideEvent(bob.id, conv, "a1")).toBe(true);
        expect(await store.hideEvent(bob.id, conv, "a1")).toBe(true);
        expect(await store.hideEvent(bob.id, conv, "nope")).toBe(false);
        expect(await store.hideEvent(bob.id, conv, "r1")).toBe(false);

        const hiddenFor = async (viewer: User) => (await store.eventsAfter(conv, 0, 10, viewer.id)).map((event) => [event.clientId, event.hidden]);
        expect(await hiddenFor(bob)).toEqual([
          ["a1", true],
          ["b1", false],
          ["r1", false],
        ]);
        expect(await hiddenFor(alice)).toEqual([
          ["a1", false],
          ["b1", false],
          ["r1", false],
        ]);
        expect((await store.timelineBefore(conv, null, 10, bob.id)).map((event) => event.clientId)).toEqual(["b1"]);
        expect((await store.timelineBefore(conv, null, 10, alice.id)).map((event) => event.clientId)).toEqual(["b1", "a1"]);
        expect(await search(bob, ["lunch"])).toEqual(["b1"]);
        expect(await search(alice, ["lunch"])).toEqual(["b1", "a1"]);
      });

      test("an event stored hidden from a member (they blocked its sender) is hidden from them alone, in the same append", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const results = await append([message(conv, alice, "a1"), { ...message(conv, bob, "b1", "let me in"), hiddenFrom: alice.id }, message(conv, alice, "a2")]);
        expect(results.map((result) => result.ok && result.seq)).toEqual([1, 2, 3]);
        expect((await store.eventsAfter(conv, 0, 10, alice.id)).map((event) => [event.clientId, event.hidden])).toEqual([
          ["a1", false],
          ["b1", true],
          ["a2", false],
        ]);
        expect((await store.timelineBefore(conv, null, 10, alice.id)).map((event) => event.clientId)).toEqual(["a2", "a1"]);
        expect((await store.timelineBefore(conv, null, 10, bob.id)).map((event) => event.clientId)).toEqual(["a2", "b1", "a1"]);
        expect(await search(alice, ["let"])).toEqual([]);
      });
    });

    describe("search", () => {
      test("indexing takes each message as it stands: its latest text, and nothing of a deleted one, before or after indexing", async () => {
        const { alice, conv } = await aliceAndBob();
        await append([message(conv, alice, "m1", "alpha"), message(conv, alice, "m2", "beta")]);
        await append([remove(conv, alice, "m2-d", "m2"), edit(conv, alice, "m1-e", "m1", "gamma")]);
        expect(await search(alice, ["alpha"])).toEqual([]);
        expect(await search(alice, ["beta"])).toEqual([]);
        expect(await search(alice, ["gamma"])).toEqual(["m1"]);
        // Once indexed, an edit moves the message to its new words and a delete takes it out.
        await append([edit(conv, alice, "m1-e2", "m1", "delta")]);
        expect(await search(alice, ["gamma"])).toEqual([]);
        expect(await search(alice, ["delta"])).toEqual(["m1"]);
        await append([remove(conv, alice, "m1-d", "m1")]);
        expect(await search(alice, ["delta"])).toEqual([]);
        expect(await store.indexForSearch(100_000)).toBe(0);
      });

      test("finds the messages holding every word, whatever their case, newest first, page by page", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([
          message(conv, alice, "m1", "Apple pie recipe"),
          message(conv, bob, "m2", "an APPLE a day"),
          message(conv, alice, "m3", "banana bread"),
          message(conv, bob, "m4", "apple and banana smoothie"),
          message(conv, alice, "m5", "Pineapple"),
          message(conv, bob, "m6", "apple: the fruit"),
        ]);
        await store.indexForSearch(100_000);
        const first = await store.searchMessages(alice.id, ["apple"], null, 2);
        expect(idsOf(first)).toEqual(["m6", "m4"]);
        expect(first.events[0]).toMatchObject({ conv, seq: 6, sender: "bob", body: { kind: "message", text: "apple: the fruit" } });
        const second = await store.searchMessages(alice.id, ["apple"], first.next, 2);
        expect(idsOf(second)).toEqual(["m2", "m1"]);
        const third = await store.searchMessages(alice.id, ["apple"], second.next, 2);
        expect(third).toEqual({ events: [], next: null });
        const whole = await store.searchMessages(alice.id, ["apple"], null, 5);
        expect(idsOf(whole)).toEqual(["m6", "m4", "m2", "m1"]);
        expect(whole.next).toBeNull();

        expect(await search(bob, ["banana", "apple"])).toEqual(["m4"]);
        expect(await search(bob, ["banana"])).toEqual(["m4", "m3"]);
        expect(await search(alice, ["cherry"])).toEqual([]);
      });

      test("finds nothing in conversations the user is not in, from before they joined a group, or of a group they left", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const dave = await user("dave");
        const theirs = await store.directConversation(carol.id, dave.id, 3_000);
        const group = await groupOf("team", alice, [bob]);
        await append([message(conv, alice, "d1", "roadmap for bob"), message(theirs, carol, "c1", "roadmap secret"), message(group, alice, "g1", "roadmap draft")]);
        expect(await store.addGroupMember(group, carol.id)).toBe(true);
        await append([message(group, bob, "g2", "roadmap final")]);

        expect(await search(alice, ["roadmap"])).toEqual(["g2", "g1", "d1"]);
        expect(await search(carol, ["roadmap"])).toEqual(["g2", "c1"]);
        expect(await search(dave, ["roadmap"])).toEqual(["c1"]);
        expect(await store.removeGroupMember(group, bob.id)).toBe(true);
        expect(await search(bob, ["roadmap"])).toEqual(["d1"]);
      });
    });

    describe("retention", () => {
      test("old messages are deleted, the oldest kept sequence says so, and numbering carries on", async () => {
        const { alice, conv } = await aliceAndBob();
        expect(await store.oldestSeq(conv)).toBeNull();
        const batch = [message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")];
        await append(batch);
        expect(await store.oldestSeq(conv)).toBe(1);

        expect(await store.deleteEventsBefore(batch[2]!.sentAt)).toBe(2);
        expect(await store.oldestSeq(conv)).toBe(3);
        expect(await seqsOf(conv)).toEqual([3]);
        expect(await store.deleteEventsBefore(batch[0]!.sentAt)).toBe(0);

        const [next] = await append([message(conv, alice, "a4")]);
        expect(next).toMatchObject({ ok: true, seq: 4 });
        expect(await store.deleteEventsBefore(clock + 1)).toBe(2);
        expect(await store.oldestSeq(conv)).toBeNull();
      });

      test("old events go with their reactions; replies kept lose the quote of a message gone", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const old = message(conv, alice, "a1", "old news");
        await append([old, react(conv, bob, "r1", "a1", "👍"), reply(conv, bob, "b1", "a1", "indeed"), react(conv, alice, "r2", "b1", "❤️")]);
        expect(await store.reactionsTo(conv, [1, 3])).toHaveLength(2);
        expect(await store.hideEvent(alice.id, conv, "a1")).toBe(true);

        expect(await store.deleteEventsBefore(old.sentAt + 2)).toBe(2);
        expect(await store.oldestSeq(conv)).toBe(3);
        expect(await store.reactionsTo(conv, [1, 3])).toEqual([{ seq: 3, emoji: "❤️", user: "alice" }]);
        expect(await store.hideEvent(alice.id, conv, "a1")).toBe(false);
        const [kept] = await store.eventsAfter(conv, 0, 10, alice.id);
        expect(kept).toMatchObject({ seq: 3, clientId: "b1", body: { kind: "message", text: "indeed", replyTo: "a1" }, quote: null, hidden: false });
        expect(await store.conversationsWithEvent(alice.id, "a1")).toEqual([]);
      });
    });

    describe("cursors and receipts", () => {
      test("an ack moves the device's cursor and its user's delivery watermark, forward only", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);

        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 2 }])).toEqual([
          { conv, userId: bob.id, delivered: 2 },
        ]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(2);

        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 1 }])).toEqual([]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(2);
        const bobMarks = (await store.membersOf(conv)).find((m) => m.userId === bob.id);
        expect(bobMarks).toEqual({ userId: bob.id, name: "bob", delivered: 2, read: 0 });
      });

      test("each device keeps its own cursor; the watermark is the furthest any of them got", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const laptop = (await store.createDevice(bob.id, "laptop", "token-2", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);

        const moved = await store.saveDelivered([
          { device: phone.id, userId: bob.id, conv, seq: 1 },
          { device: laptop.id, userId: bob.id, conv, seq: 3 },
          { device: phone.id, userId: bob.id, conv, seq: 2 },
        ]);
        expect(moved).toEqual([{ conv, userId: bob.id, delivered: 3 }]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(2);
        expect((await store.cursorsOf(laptop.id)).get(conv)).toBe(3);

        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 3 }])).toEqual([]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(3);
      });

      test("acks for several conversations and users are saved in one call", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const carol = await user("carol");
        const other = await store.directConversation(alice.id, carol.id, 3_000);
        const bobPhone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const carolPhone = (await store.createDevice(carol.id, "phone", "token-2", 5_000, MANY_DEVICES))!;
        const alicePhone = (await store.createDevice(alice.id, "phone", "token-3", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1"), message(other, alice, "a2"), message(other, alice, "a3")]);

        const moved = await store.saveDelivered([
          { device: bobPhone.id, userId: bob.id, conv, seq: 1 },
          { device: carolPhone.id, userId: carol.id, conv: other, seq: 2 },
          // alice's own messages count as delivered to her already; her device still moves on
          { device: alicePhone.id, userId: alice.id, conv: other, seq: 2 },
        ]);
        const byMark = (a: { conv: number; userId: number }, b: { conv: number; userId: number }) => a.conv - b.conv || a.userId - b.userId;
        expect(moved.sort(byMark)).toEqual(
          [
            { conv, userId: bob.id, delivered: 1 },
            { conv: other, userId: carol.id, delivered: 2 },
          ].sort(byMark),
        );
        expect(await store.cursorsOf(bobPhone.id)).toEqual(new Map([[conv, 1]]));
        expect(await store.cursorsOf(carolPhone.id)).toEqual(new Map([[other, 2]]));
        expect((await store.cursorsOf(alicePhone.id)).get(other)).toBe(2);
      });

      test("an ack past the end of the conversation counts only up to its last message", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1")]);
        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 99 }])).toEqual([
          { conv, userId: bob.id, delivered: 1 },
        ]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(1);
        // so the next message is not skipped
        await append([message(conv, alice, "a2")]);
        expect((await store.eventsAfter(conv, 1, 10, NOBODY)).map((m) => m.clientId)).toEqual(["a2"]);
      });

      test("an ack for a conversation the user is not in changes nothing", async () => {
        const { alice, conv } = await aliceAndBob();
        const mallory = await user("mallory");
        const device = (await store.createDevice(mallory.id, "laptop", "token-1", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1")]);
        expect(await store.saveDelivered([{ device: device.id, userId: mallory.id, conv, seq: 1 }])).toEqual([]);
        expect((await store.cursorsOf(device.id)).has(conv)).toBe(false);
        expect(await store.membersOf(conv)).toHaveLength(2);
      });

      test("an ack from a revoked device, or naming another user's device, changes nothing", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const bobPhone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const aliceLaptop = (await store.createDevice(alice.id, "laptop", "token-2", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1"), message(conv, alice, "a2")]);
        await store.revokeDevice(bob.id, bobPhone.id);

        expect(
          await store.saveDelivered([
            { device: bobPhone.id, userId: bob.id, conv, seq: 1 },
            { device: aliceLaptop.id, userId: bob.id, conv, seq: 2 },
          ]),
        ).toEqual([]);
        expect((await store.cursorsOf(bobPhone.id)).has(conv)).toBe(false);
        expect((await store.cursorsOf(aliceLaptop.id)).get(conv)).toBe(0);
        expect((await store.membersOf(conv)).map((m) => [m.name, m.delivered])).toEqual([
          ["alice", 2],
          ["bob", 0],
        ]);
      });

      test("the read watermark only moves forward, and what was read counts as delivered", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await append([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);
        // One commit, taken in order: each mark judged after the ones before it.
        const marks = [2, 2, 1, 99].map((seq) => ({ userId: bob.id, conv, seq }));
        expect(await store.saveReads(marks)).toEqual([{ read: 2, delivered: 2 }, null, null, { read: 3, delivered: 3 }]);
        const bobMarks = (await store.membersOf(conv)).find((m) => m.userId === bob.id);
        expect(bobMarks).toEqual({ userId: bob.id, name: "bob", delivered: 3, read: 3 });
      });

      test("someone outside the conversation cannot mark it read", async () => {
        const { alice, conv } = await aliceAndBob();
        const mallory = await user("mallory");
        await append([message(conv, alice, "a1")]);
        expect(await saveRead(store, mallory.id, conv, 1)).toBeNull();
        expect((await store.membersOf(conv)).map((m) => [m.name, m.read])).toEqual([
          ["alice", 1],
          ["bob", 0],
        ]);
      });
    });

    describe("groups", () => {
      /** alice (creator), bob and carol in #team. */
      async function team() {
        const alice = await user("alice");
        const bob = await user("bob");
        const carol = await user("carol");
        const group = await store.createGroup("team", alice.id, [bob.id, carol.id], 2_000);
        if (!group) throw new Error("#team exists already");
        return { alice, bob, carol, conv: group.conv };
      }

      const rolesOf = async (conv: ConversationId) => (await store.groupMembers(conv)).map((m) => [m.name, m.role]);

      test("a group is created with its creator as admin and the others as members, and found by its name", async () => {
        const { alice, bob, carol, conv } = await team();
        expect(await store.groupByName("team")).toEqual({ conv, name: "team" });
        expect(await store.groupByName("nobody")).toBeNull();
        expect(await store.groupMembers(conv)).toEqual([
          { userId: alice.id, name: "alice", role: "admin" },
          { userId: bob.id, name: "bob", role: "member" },
          { userId: carol.id, name: "carol", role: "member" },
        ]);
        expect(await store.conversationInfo(conv)).toEqual({ kind: "group", name: "team" });
        expect(await store.membershipsOf(carol.id)).toEqual([{ conv, kind: "group", title: "team", lastSeq: 0, joinedSeq: 0 }]);
        expect(await store.groupMembers(conv + 1_000)).toEqual([]);
      });

      test("someone named twice, or the creator named as a member too, is in the group once with the higher role", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const group = await store.createGroup("team", alice.id, [bob.id, alice.id, bob.id], 2_000);
        expect(await rolesOf(group!.conv)).toEqual([
          ["alice", "admin"],
          ["bob", "member"],
        ]);
      });

      test("a group name is taken once; a direct conversation takes no name", async () => {
        const { alice, bob, conv } = await team();
        await store.directConversation(alice.id, bob.id, 3_000);
        expect(await store.createGroup("team", bob.id, [alice.id], 3_000)).toBeNull();
        expect(await store.groupByName("team")).toEqual({ conv, name: "team" });
        expect(await rolesOf(conv)).toEqual([
          ["alice", "admin"],
          ["bob", "member"],
          ["carol", "member"],
        ]);
        const ops = await store.createGroup("ops", bob.id, [], 3_000);
        expect(ops).toEqual({ conv: expect.any(Number), name: "ops" });
        expect(await rolesOf(ops!.conv)).toEqual([["bob", "admin"]]);
      });

      test("two servers creating the same group at once get one group between them", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const other = await openAnother();
        const created = await Promise.all([
          store.createGroup("team", alice.id, [bob.id], 2_000),
          other.createGroup("team", bob.id, [alice.id], 2_000),
        ]);
        const winners = created.filter((group) => group !== null);
        expect(winners).toHaveLength(1);
        expect(await store.groupByName("team")).toEqual(winners[0]!);
        expect(await store.groupMembers(winners[0]!.conv)).toHaveLength(2);
      });

      test("a message to the group is stored once; each member's devices take it from the start, with receipts per member", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const bobPhone = (await store.createDevice(bob.id, "phone", "token-1", 1_500, MANY_DEVICES))!;
        const { conv } = (await store.createGroup("team", alice.id, [bob.id], 2_000))!;
        expect((await store.cursorsOf(bobPhone.id)).get(conv)).toBe(0);

        await append([message(conv, alice, "a1")]);
        expect((await store.eventsAfter(conv, 0, 10, NOBODY)).map((m) => [m.seq, m.sender])).toEqual([[1, "alice"]]);
        expect(await store.saveDelivered([{ device: bobPhone.id, userId: bob.id, conv, seq: 1 }])).toEqual([
          { conv, userId: bob.id, delivered: 1 },
        ]);
        expect((await store.membersOf(conv)).map((m) => [m.name, m.delivered, m.read])).toEqual([
          ["alice", 1, 1],
          ["bob", 1, 0],
        ]);
      });

      test("a member added later sees messages from when they joined, on every device, and can write", async () => {
        const { alice, bob, conv } = await team();
        const dave = await user("dave");
        const phone = (await store.createDevice(dave.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const laptop = (await store.createDevice(dave.id, "laptop", "token-2", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1"), message(conv, bob, "b1"), message(conv, alice, "a2")]);

        expect(await store.addGroupMember(conv, dave.id)).toBe(true);
        expect(await store.addGroupMember(conv, dave.id)).toBe(false);
        expect(await store.addGroupMember(conv, alice.id)).toBe(false);
        expect(await rolesOf(conv)).toEqual([
          ["alice", "admin"],
          ["bob", "member"],
          ["carol", "member"],
          ["dave", "member"],
        ]);
        expect(await store.membershipsOf(dave.id)).toEqual([{ conv, kind: "group", title: "team", lastSeq: 3, joinedSeq: 3 }]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(3);
        expect((await store.cursorsOf(laptop.id)).get(conv)).toBe(3);
        const tablet = (await store.createDevice(dave.id, "tablet", "token-3", 6_000, MANY_DEVICES))!;
        expect((await store.cursorsOf(tablet.id)).get(conv)).toBe(3);

        const [sent] = await append([message(conv, dave, "d1")]);
        expect(sent).toMatchObject({ ok: true, seq: 4 });
        expect((await store.eventsAfter(conv, 3, 10, NOBODY)).map((m) => m.clientId)).toEqual(["d1"]);
      });

      test("two servers adding the same member at once add them once", async () => {
        const { conv } = await team();
        const dave = await user("dave");
        const other = await openAnother();
        const added = await Promise.all([store.addGroupMember(conv, dave.id), other.addGroupMember(conv, dave.id)]);
        expect(added.sort()).toEqual([false, true]);
        expect((await store.groupMembers(conv)).filter((m) => m.userId === dave.id)).toHaveLength(1);
      });

      test("a removed member loses the group and their devices' place in it, and can no longer write or mark it", async () => {
        const { alice, bob, conv } = await team();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await append([message(conv, alice, "a1")]);

        expect(await store.removeGroupMember(conv, bob.id)).toBe(true);
        expect(await store.removeGroupMember(conv, bob.id)).toBe(false);
        expect(await rolesOf(conv)).toEqual([
          ["alice", "admin"],
          ["carol", "member"],
        ]);
        expect(await store.membershipsOf(bob.id)).toEqual([]);
        expect((await store.cursorsOf(phone.id)).has(conv)).toBe(false);

        expect(await append([message(conv, bob, "b1")])).toEqual([{ ok: false, reason: "not_member" }]);
        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 1 }])).toEqual([]);
        expect((await store.cursorsOf(phone.id)).has(conv)).toBe(false);
        expect(await saveRead(store, bob.id, conv, 1)).toBeNull();
      });

      test("a removed member added back starts again from the group's current end", async () => {
        const { alice, bob, conv } = await team();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await store.removeGroupMember(conv, bob.id);
        await append([message(conv, alice, "a1"), message(conv, alice, "a2")]);
        expect(await store.addGroupMember(conv, bob.id)).toBe(true);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(2);
        expect((await store.membershipsOf(bob.id))[0]).toMatchObject({ conv, joinedSeq: 2 });
      });

      test("a member can be made admin and back; a non-member has no role to change", async () => {
        const { bob, carol, conv } = await team();
        const dave = await user("dave");
        expect(await store.setGroupRole(conv, carol.id, "admin")).toBe(true);
        expect(await rolesOf(conv)).toEqual([
          ["alice", "admin"],
          ["carol", "admin"],
          ["bob", "member"],
        ]);
        expect(await store.setGroupRole(conv, carol.id, "member")).toBe(true);
        expect((await store.groupMembers(conv)).find((m) => m.userId === carol.id)?.role).toBe("member");
        expect(await store.setGroupRole(conv, dave.id, "admin")).toBe(false);
        expect(await store.groupMembers(conv)).toHaveLength(3);
        expect((await store.groupMembers(conv)).find((m) => m.userId === bob.id)?.role).toBe("member");
      });

      test("a group is renamed unless another group has the name; its old name is free again", async () => {
        const { alice, bob, carol, conv } = await team();
        const ops = await store.createGroup("ops", bob.id, [alice.id], 3_000);
        const direct = await store.directConversation(alice.id, carol.id, 3_000);

        expect(await store.renameGroup(conv, "ops")).toBe(false);
        expect(await store.groupByName("ops")).toEqual(ops);
        expect(await store.renameGroup(direct, "chat")).toBe(false);
        expect(await store.conversationInfo(direct)).toEqual({ kind: "direct", name: null });

        expect(await store.renameGroup(conv, "core")).toBe(true);
        expect(await store.groupByName("core")).toEqual({ conv, name: "core" });
        expect(await store.groupByName("team")).toBeNull();
        expect(await store.conversationInfo(conv)).toEqual({ kind: "group", name: "core" });
        expect((await store.membershipsOf(carol.id)).find((m) => m.conv === conv)?.title).toBe("core");
        expect(await store.createGroup("team", carol.id, [], 4_000)).not.toBeNull();
      });

      test("two servers renaming two groups to one name at once: one of them gets it", async () => {
        const alice = await user("alice");
        const first = (await store.createGroup("first", alice.id, [], 2_000))!;
        const second = (await store.createGroup("second", alice.id, [], 2_000))!;
        const other = await openAnother();
        const renamed = await Promise.all([store.renameGroup(first.conv, "shared"), other.renameGroup(second.conv, "shared")]);
        expect([...renamed].sort()).toEqual([false, true]);
        const winner = renamed[0] ? first : second;
        expect(await store.groupByName("shared")).toEqual({ conv: winner.conv, name: "shared" });
      });
    });

    describe("privacy and presence", () => {
      test("privacy starts with last seen shown and read receipts sent; a change touches only the switches it names", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        expect(await store.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: true, groupAdds: "everyone" });

        expect(await store.setPrivacy(alice.id, { hideLastSeen: true })).toEqual({ hideLastSeen: true, readReceipts: true, groupAdds: "everyone" });
        expect(await store.setPrivacy(alice.id, { readReceipts: false })).toEqual({ hideLastSeen: true, readReceipts: false, groupAdds: "everyone" });
        expect(await store.setPrivacy(alice.id, {})).toEqual({ hideLastSeen: true, readReceipts: false, groupAdds: "everyone" });
        expect(await store.setPrivacy(alice.id, { groupAdds: "contacts" })).toEqual({ hideLastSeen: true, readReceipts: false, groupAdds: "contacts" });
        expect(await store.setPrivacy(alice.id, { hideLastSeen: false, readReceipts: true, groupAdds: "nobody" })).toEqual({
          hideLastSeen: false,
          readReceipts: true,
          groupAdds: "nobody",
        });
        await store.setPrivacy(alice.id, { readReceipts: false });
        expect(await store.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: false, groupAdds: "nobody" });
        expect(await store.privacyOf(bob.id)).toEqual({ hideLastSeen: false, readReceipts: true, groupAdds: "everyone" });
      });

      test("last seen is unknown until recorded, then the time recorded last", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        expect(await store.lastSeenOf(alice.id)).toBeNull();
        await store.setLastSeen([{ userId: alice.id, at: 5_000 }]);
        expect(await store.lastSeenOf(alice.id)).toBe(5_000);
        await store.setLastSeen([{ userId: alice.id, at: 9_000 }]);
        expect(await store.lastSeenOf(alice.id)).toBe(9_000);
        expect(await store.lastSeenOf(bob.id)).toBeNull();
      });

      test("last seen of many users is recorded in one call, each their own time", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        const carol = await user("carol");
        await store.setLastSeen([
          { userId: alice.id, at: 5_000 },
          { userId: bob.id, at: 6_000 },
        ]);
        expect([await store.lastSeenOf(alice.id), await store.lastSeenOf(bob.id), await store.lastSeenOf(carol.id)]).toEqual([5_000, 6_000, null]);
      });

      test("contacts are people who count each other, each once, with their last seen and whether they hide it; a group makes none", async () => {
        const { alice, bob } = await aliceAndBob();
        const carol = await user("carol");
        const dave = await user("dave");
        await store.createGroup("team", alice.id, [bob.id, dave.id], 3_000);
        expect(await store.countsAsContact(alice.id, bob.id)).toBe(false);
        expect(await store.addContact(alice.id, bob.id, 3_000)).toEqual({ added: true, mutual: false });
        expect(await store.addContact(alice.id, bob.id, 3_500)).toEqual({ added: false, mutual: false });
        expect([await store.countsAsContact(alice.id, bob.id), await store.countsAsContact(bob.id, alice.id)]).toEqual([true, false]);
        expect(await store.contactsOf(alice.id)).toEqual([]);
        expect(await store.areContacts(alice.id, bob.id)).toBe(false);
        expect(await store.addContact(bob.id, alice.id, 4_000)).toEqual({ added: true, mutual: true });
        await store.addContact(alice.id, carol.id, 4_000);
        await store.addContact(carol.id, alice.id, 4_000);
        await store.addContact(dave.id, alice.id, 4_000);
        await store.setLastSeen([{ userId: bob.id, at: 7_000 }]);
        await store.setPrivacy(bob.id, { hideLastSeen: true });

        const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
        expect((await store.contactsOf(alice.id)).sort(byName)).toEqual([
          { userId: bob.id, name: "bob", lastSeen: 7_000, hideLastSeen: true },
          { userId: carol.id, name: "carol", lastSeen: null, hideLastSeen: false },
        ]);
        expect(await store.areContacts(bob.id, alice.id)).toBe(true);
        expect(await store.contactsOf(dave.id)).toEqual([]);
        expect(await store.contactListOf(dave.id)).toEqual([{ name: "alice", mutual: false }]);
        expect(await store.contactListOf(alice.id)).toEqual([
          { name: "bob", mutual: true },
          { name: "carol", mutual: true },
        ]);

        expect(await store.removeContact(alice.id, carol.id)).toBe(true);
        expect(await store.removeContact(alice.id, carol.id)).toBe(false);
        expect((await store.contactsOf(alice.id)).map((c) => c.name)).toEqual(["bob"]);
        expect(await store.contactsOf(carol.id)).toEqual([]);
      });

      test("blocking someone stops counting them, and is listed until unblocked", async () => {
        const { alice, bob } = await aliceAndBob();
        await store.addContact(alice.id, bob.id, 1_000);
        await store.addContact(bob.id, alice.id, 1_000);
        expect(await store.block(alice.id, bob.id, 2_000)).toBe(true);
        expect(await store.block(alice.id, bob.id, 2_500)).toBe(false);
        expect(await store.hasBlocked(alice.id, bob.id)).toBe(true);
        expect(await store.hasBlocked(bob.id, alice.id)).toBe(false);
        expect(await store.areContacts(alice.id, bob.id)).toBe(false);
        expect(await store.contactsOf(bob.id)).toEqual([]);
        expect(await store.blockedBy(alice.id)).toEqual(["bob"]);
        expect(await store.unblock(alice.id, bob.id)).toBe(true);
        expect(await store.unblock(alice.id, bob.id)).toBe(false);
        expect(await store.blockedBy(alice.id)).toEqual([]);
        // Unblocking does not make them contacts again: that takes writing or adding.
        expect(await store.areContacts(alice.id, bob.id)).toBe(false);
      });

      test("a group invitation is pending once per person and group, until taken", async () => {
        const { alice, bob } = await aliceAndBob();
        const team = (await store.createGroup("team", alice.id, [], 1_000))!;
        const ops = (await store.createGroup("ops", alice.id, [], 1_000))!;
        expect(await store.inviteToGroup(team.conv, bob.id, alice.id, 2_000)).toBe(true);
        expect(await store.inviteToGroup(team.conv, bob.id, alice.id, 2_500)).toBe(false);
        expect(await store.inviteToGroup(ops.conv, bob.id, alice.id, 3_000)).toBe(true);
        expect(await store.groupInvitesOf(bob.id)).toEqual([
          { conv: team.conv, group: "team", inviterId: alice.id, inviter: "alice", at: 2_000 },
          { conv: ops.conv, group: "ops", inviterId: alice.id, inviter: "alice", at: 3_000 },
        ]);
        expect(await store.takeGroupInvite(team.conv, bob.id)).toBe(alice.id);
        expect(await store.takeGroupInvite(team.conv, bob.id)).toBeNull();
        expect((await store.groupInvitesOf(bob.id)).map((invite) => invite.group)).toEqual(["ops"]);
        expect(await store.groupInvitesOf(alice.id)).toEqual([]);
      });
    });

    test("storage from the first release is brought up to date, keeping what it held", async () => {
      const legacy = await backend.createAtFirstVersion();
      storages.push(legacy);
      const upgraded = await openAnother(legacy);
      const alice = (await upgraded.userByName("alice"))!;
      const bob = (await upgraded.userByName("bob"))!;
      expect(alice).toMatchObject({ name: "alice", passwordHash: "hash-of-alice" });
      const conv = await upgraded.directConversation(alice.id, bob.id, 3_000);
      expect(await upgraded.membershipsOf(alice.id)).toEqual([{ conv, kind: "direct", title: "bob", lastSeq: 0, joinedSeq: 0 }]);
      expect(await upgraded.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: true, groupAdds: "everyone" });
      expect(await upgraded.lastSeenOf(alice.id)).toBeNull();
      // A conversation nobody wrote in makes no contacts.
      expect(await upgraded.contactsOf(alice.id)).toEqual([]);
      const group = await upgraded.createGroup("team", bob.id, [alice.id], 4_000);

      // a second server starting finds nothing left to migrate
      const again = await openAnother(legacy);
      expect(await again.groupByName("team")).toEqual(group);
      expect((await again.groupMembers(group!.conv)).map((m) => [m.name, m.role])).toEqual([
        ["bob", "admin"],
        ["alice", "member"],
      ]);
    });

    test("storage from the release before event streams keeps every message, mark, group and device, and carries on", async () => {
      const legacy = await backend.createAtPreviousRelease();
      storages.push(legacy);
      const upgraded = await openAnother(legacy);
      const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map(async (name) => (await upgraded.userByName(name))!));
      const conv = await upgraded.directConversation(alice!.id, bob!.id, 3_000);
      const team = (await upgraded.groupByName("team"))!.conv;
      const asStored = (events: StoredEvent[]) => events.map((event) => [event.seq, event.clientId, event.sender, textOf(event.body), event.sentAt]);

      // every message, the id bob shared with alice renamed
      const direct = await upgraded.eventsAfter(conv, 0, 10, alice!.id);
      expect(asStored(direct)).toEqual([
        [1, "m-shared", "alice", "hello from alice", 10000],
        [2, "m-shared-2", "bob", "hello from bob, same id", 10001],
        [3, "m-3", "alice", "lunch tomorrow?", 10002],
      ]);
      for (const event of direct) expect(event).toMatchObject({ editedAt: null, deleted: false, expiresAt: null, quote: null, hidden: false });
      expect(asStored(await upgraded.eventsAfter(team, 0, 10, carol!.id))).toEqual([
        [1, "g-1", "alice", "welcome to the team", 10003],
        [2, "g-2", "carol", "glad to be on the team", 10004],
      ]);
      expect(asStored(await upgraded.timelineBefore(conv, null, 10, bob!.id)).map(([seq]) => seq)).toEqual([3, 2, 1]);

      // who wrote to each other stays contacts; a group shared with carol makes none
      expect(await upgraded.areContacts(alice!.id, bob!.id)).toBe(true);
      expect(await upgraded.contactsOf(carol!.id)).toEqual([]);

      // marks, memberships, roles, devices and privacy
      const marksOf = async (of: ConversationId) => (await upgraded.membersOf(of)).map((m) => [m.name, m.delivered, m.read]);
      expect(await marksOf(conv)).toEqual([
        ["alice", 3, 3],
        ["bob", 2, 1],
      ]);
      expect(await marksOf(team)).toEqual([
        ["alice", 2, 2],
        ["bob", 2, 0],
        ["carol", 2, 1],
      ]);
      expect((await upgraded.groupMembers(team)).map((m) => [m.name, m.role])).toEqual([
        ["alice", "admin"],
        ["bob", "member"],
        ["carol", "member"],
      ]);
      expect(await upgraded.membershipsOf(carol!.id)).toEqual([{ conv: team, kind: "group", title: "team", lastSeq: 2, joinedSeq: 1 }]);
      const phone = (await upgraded.deviceByTokenHash("token-of-bob"))!;
      expect(phone).toMatchObject({ userId: bob!.id, name: "phone", createdAt: 1500, lastActive: 9000 });
      expect(await upgraded.cursorsOf(phone.id)).toEqual(new Map([[conv, 2], [team, 2]]));
      expect(await upgraded.privacyOf(bob!.id)).toEqual({ hideLastSeen: false, readReceipts: false, groupAdds: "everyone" });

      // search knows the old messages, from when each reader joined
      const found = async (reader: User, words: string[]) => {
        await upgraded.indexForSearch(100_000);
        return idsOf(await upgraded.searchMessages(reader.id, words, null, 10));
      };
      expect(await found(alice!, ["hello"])).toEqual(["m-shared-2", "m-shared"]);
      expect(await found(alice!, ["team"])).toEqual(["g-2", "g-1"]);
      expect(await found(carol!, ["team"])).toEqual(["g-2"]);
      expect(await upgraded.conversationsWithEvent(bob!.id, "m-shared-2")).toEqual([conv]);

      // new events follow the old ones, and act on them
      const [retried] = await append([at(message(conv, alice!, "m-shared", "hello from alice"), 10000)], upgraded);
      expect(retried).toEqual(storedAs(1, 10000, true));
      const results = await append(
        [
          at(message(conv, bob!, "b-new", "hello again"), 20_000),
          at(reply(conv, alice!, "a-new", "m-shared-2", "hi bob"), 20_001),
          at(edit(conv, alice!, "m-3-e", "m-3", "lunch today?"), 20_002),
          at(react(conv, bob!, "b-r", "m-3", "👍"), 20_003),
        ],
        upgraded,
      );
      expect(results.map((result) => result.ok && result.seq)).toEqual([4, 5, 6, 7]);
      expect(results[1]).toMatchObject({ quote: { id: "m-shared-2", from: "bob", text: "hello from bob, same id", deleted: false } });
      expect(textOf((await upgraded.eventsAfter(conv, 2, 1, alice!.id))[0]!.body)).toBe("lunch today?");
      expect(await upgraded.reactionsTo(conv, [3])).toEqual([{ seq: 3, emoji: "👍", user: "bob" }]);
      expect(await found(alice!, ["hello"])).toEqual(["b-new", "m-shared-2", "m-shared"]);
      expect((await append([at(message(team, carol!, "g-3"), 20_004)], upgraded))[0]).toMatchObject({ ok: true, seq: 3 });
    });

    test("everything is still there after the store is closed and opened again", async () => {
      const { alice, bob, conv } = await aliceAndBob();
      const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
      await append([message(conv, alice, "a1"), message(conv, alice, "a2")]);
      await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 1 }]);
      await saveRead(store, bob.id, conv, 1);
      const group = await store.createGroup("team", bob.id, [alice.id], 6_000);
      await store.setPrivacy(alice.id, { readReceipts: false });
      await store.setLastSeen([{ userId: bob.id, at: 7_000 }]);
      await store.close();
      opened.splice(opened.indexOf(store), 1);

      const reopened = await openAnother();
      expect(await reopened.userByName("alice")).toEqual(alice);
      expect(await reopened.deviceByTokenHash("token-1")).toEqual(phone);
      expect(await reopened.cursorsOf(phone.id)).toEqual(new Map([[conv, 1], [group!.conv, 0]]));
      expect((await reopened.membersOf(conv)).map((m) => [m.name, m.delivered, m.read])).toEqual([
        ["alice", 2, 2],
        ["bob", 1, 1],
      ]);
      const [next] = await append([message(conv, bob, "b1")], reopened);
      expect(next).toMatchObject({ ok: true, seq: 3 });
      expect(await reopened.groupByName("team")).toEqual(group);
      expect((await reopened.groupMembers(group!.conv)).map((m) => [m.name, m.role])).toEqual([
        ["bob", "admin"],
        ["alice", "member"],
      ]);
      expect(await reopened.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: false, groupAdds: "everyone" });
      expect(await reopened.lastSeenOf(bob.id)).toBe(7_000);
    });
  });
}

/** One read mark in a commit of its own. */
async function saveRead(store: Store, userId: UserId, conv: ConversationId, seq: number): Promise<number | null> {
  const [moved] = await store.saveReads([{ userId, conv, seq }]);
  return moved?.read ?? null;
}
