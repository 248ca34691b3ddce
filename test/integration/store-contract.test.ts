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
import type { ConversationId, NewMessage, User } from "../../src/domain/types.ts";
import postgresFirstMigration from "../../src/store/postgres/001_init.sql" with { type: "text" };
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SQLITE_FILE_NAME } from "../../src/store/sqlite/index.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import { MIGRATIONS as SQLITE_MIGRATIONS } from "../../src/store/sqlite/schema.ts";
import type { Store } from "../../src/store/store.ts";
import { isolatedStorage, TEST_POSTGRES_URL } from "../helpers/deployments.ts";


/** A device cap no case here reaches, but the one about the cap. */
const MANY_DEVICES = 100;

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
  dispose(): Promise<void>;
}

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
    function message(conv: ConversationId, from: User, clientId: string, text = `text of ${clientId}`): NewMessage {
      return { conv, senderId: from.id, clientId, text, sentAt: clock++ };
    }

    const seqsOf = async (conv: ConversationId) => (await store.messagesAfter(conv, 0, 1_000)).map((m) => m.seq);

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
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);
        await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 2 }]);

        const laptop = (await store.createDevice(bob.id, "laptop", "token-2", 6_000, MANY_DEVICES))!;
        const start = (await store.cursorsOf(laptop.id)).get(conv) ?? 0;
        expect(start).toBe(2);
        expect((await store.messagesAfter(conv, start, 100)).map((m) => m.clientId)).toEqual(["a3"]);
      });
    });

    describe("conversations", () => {
      test("a direct conversation is created once, on first use, with both users as members from the start", async () => {
        const { alice, bob, conv } = await aliceAndBob();
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
        await store.appendMessages([message(conv, alice, "a1"), message(conv, bob, "b1"), message(team.conv, carol, "c1")]);
        await store.saveRead(bob.id, conv, 1);
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
      });

      test("a direct conversation is known as such, without a name; an unknown one is not known", async () => {
        const { conv } = await aliceAndBob();
        expect(await store.conversationInfo(conv)).toEqual({ kind: "direct", name: null });
        expect(await store.conversationInfo(conv + 1_000)).toBeNull();
      });

      test("membership shows how far the conversation's stream has got", async () => {
        const { alice, conv } = await aliceAndBob();
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2")]);
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
        const results = await store.appendMessages(batch);
        expect(results).toEqual([
          { ok: true, seq: 1, sentAt: batch[0]!.sentAt, duplicate: false },
          { ok: true, seq: 1, sentAt: batch[1]!.sentAt, duplicate: false },
          { ok: true, seq: 2, sentAt: batch[2]!.sentAt, duplicate: false },
          { ok: true, seq: 3, sentAt: batch[3]!.sentAt, duplicate: false },
          { ok: true, seq: 2, sentAt: batch[4]!.sentAt, duplicate: false },
        ]);
        const next = await store.appendMessages([message(conv, bob, "b2")]);
        expect(next[0]).toMatchObject({ ok: true, seq: 4 });
      });

      test("batches handed over while earlier ones commit are committed in the order they were given", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const appends = Array.from({ length: 5 }, (_, index) =>
          store.appendMessages([message(conv, index % 2 ? bob : alice, `m${index}a`), message(conv, alice, `m${index}b`)]),
        );
        const seqs = (await Promise.all(appends)).flat().map((result) => (result.ok ? result.seq : null));
        expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect((await store.messagesAfter(conv, 0, 20)).map((stored) => stored.clientId)).toEqual(
          [0, 1, 2, 3, 4].flatMap((index) => [`m${index}a`, `m${index}b`]),
        );
      });

      test("stored messages come back whole, with their sender's name", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const text = "Hello Bob 👋 — «quotes», 'apostrophes', {braces}, back\\slash, NULL,\nand a second line";
        const sent = message(conv, alice, "m-01HZX", text);
        await store.appendMessages([sent, message(conv, bob, "m-01HZX", "same id, other sender")]);
        const [first, second] = await store.messagesAfter(conv, 0, 10);
        expect(first).toEqual({ conv, seq: 1, clientId: "m-01HZX", senderId: alice.id, sender: "alice", text, sentAt: sent.sentAt });
        expect(second).toMatchObject({ seq: 2, sender: "bob", text: "same id, other sender" });
      });

      test("senders have seen what they wrote: their marks move up to it, but never over others' messages", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const marks = async () => (await store.membersOf(conv)).map((m) => [m.name, m.delivered, m.read]);
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, bob, "b1"), message(conv, alice, "a3")]);
        // alice's marks follow her run a1-a2; b1 stops them, and bob's never reached a1.
        expect(await marks()).toEqual([
          ["alice", 2, 2],
          ["bob", 0, 0],
        ]);
        // A reply before acknowledging leaves the marks where the acknowledgements put them (the sender's ✓✓ still comes).
        await store.appendMessages([message(conv, bob, "b2")]);
        expect(await marks()).toEqual([
          ["alice", 2, 2],
          ["bob", 0, 0],
        ]);
        await store.saveDelivered([{ device: (await store.createDevice(bob.id, "phone", "tb", 1, MANY_DEVICES))!.id, userId: bob.id, conv, seq: 5 }]);
        await store.appendMessages([message(conv, bob, "b3")]);
        expect(await marks()).toEqual([
          ["alice", 2, 2],
          ["bob", 6, 0],
        ]);
      });

      test("an empty batch stores nothing", async () => {
        expect(await store.appendMessages([])).toEqual([]);
      });

      test("a sender who is not a member is refused, and the rest of the batch is stored", async () => {
        const { alice, conv } = await aliceAndBob();
        const mallory = await user("mallory");
        const results = await store.appendMessages([message(conv, mallory, "x1"), message(conv, alice, "a1")]);
        expect(results[0]).toEqual({ ok: false, reason: "not_member" });
        expect(results[1]).toMatchObject({ ok: true, seq: 1 });
        expect((await store.messagesAfter(conv, 0, 10)).map((m) => m.sender)).toEqual(["alice"]);
      });

      test("a retried message is stored once and answered with its original sequence and time", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const original = message(conv, alice, "a1");
        const [stored] = await store.appendMessages([original]);
        const retry = { ...original, text: "edited on retry", sentAt: original.sentAt + 5_000 };
        const results = await store.appendMessages([message(conv, bob, "b1"), retry]);
        expect(results[1]).toEqual({ ok: true, seq: 1, sentAt: original.sentAt, duplicate: true });
        expect(stored).toEqual({ ok: true, seq: 1, sentAt: original.sentAt, duplicate: false });
        const messages = await store.messagesAfter(conv, 0, 10);
        expect(messages.map((m) => [m.seq, m.clientId, m.text])).toEqual([
          [1, "a1", original.text],
          [2, "b1", "text of b1"],
        ]);
      });

      test("a message repeated within one batch is stored once", async () => {
        const { alice, conv } = await aliceAndBob();
        const first = message(conv, alice, "a1");
        const results = await store.appendMessages([first, message(conv, alice, "a2"), { ...first, sentAt: first.sentAt + 1 }]);
        expect(results).toEqual([
          { ok: true, seq: 1, sentAt: first.sentAt, duplicate: false },
          { ok: true, seq: 2, sentAt: expect.any(Number), duplicate: false },
          { ok: true, seq: 1, sentAt: first.sentAt, duplicate: true },
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
          batches.flatMap((batch) => [store.appendMessages(batch), other.appendMessages([...batch].reverse())]),
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
        const stored = await store.messagesAfter(conv, 0, 1_000);
        expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        expect(new Set(stored.map((m) => m.clientId)).size).toBe(40);
        for (const m of stored) expect(seqOfId.get(m.clientId)).toBe(m.seq);
        expect((await other.membershipsOf(alice.id))[0]?.lastSeq).toBe(40);
      });
    });

    describe("reading messages", () => {
      test("messages after a cursor come oldest first, up to the limit", async () => {
        const { alice, conv } = await aliceAndBob();
        await store.appendMessages(Array.from({ length: 5 }, (_, i) => message(conv, alice, `a${i + 1}`)));
        expect((await store.messagesAfter(conv, 1, 3)).map((m) => m.seq)).toEqual([2, 3, 4]);
        expect((await store.messagesAfter(conv, 5, 3)).map((m) => m.seq)).toEqual([]);
      });

      test("history pages go newest first, each page before the last one seen", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        await store.appendMessages(Array.from({ length: 5 }, (_, i) => message(conv, i % 2 ? bob : alice, `m${i + 1}`)));
        const page1 = await store.messagesBefore(conv, null, 2);
        expect(page1.map((m) => m.seq)).toEqual([5, 4]);
        const page2 = await store.messagesBefore(conv, page1.at(-1)!.seq, 2);
        expect(page2.map((m) => m.seq)).toEqual([3, 2]);
        const page3 = await store.messagesBefore(conv, page2.at(-1)!.seq, 2);
        expect(page3.map((m) => [m.seq, m.sender])).toEqual([[1, "alice"]]);
      });

      test("messages of one conversation never show in another", async () => {
        const { alice, conv } = await aliceAndBob();
        const carol = await user("carol");
        const other = await store.directConversation(alice.id, carol.id, 3_000);
        await store.appendMessages([message(conv, alice, "to-bob"), message(other, alice, "to-carol")]);
        expect((await store.messagesAfter(other, 0, 10)).map((m) => m.clientId)).toEqual(["to-carol"]);
        expect((await store.messagesBefore(conv, null, 10)).map((m) => m.clientId)).toEqual(["to-bob"]);
      });
    });

    describe("retention", () => {
      test("old messages are deleted, the oldest kept sequence says so, and numbering carries on", async () => {
        const { alice, conv } = await aliceAndBob();
        expect(await store.oldestSeq(conv)).toBeNull();
        const batch = [message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")];
        await store.appendMessages(batch);
        expect(await store.oldestSeq(conv)).toBe(1);

        expect(await store.deleteMessagesBefore(batch[2]!.sentAt)).toBe(2);
        expect(await store.oldestSeq(conv)).toBe(3);
        expect(await seqsOf(conv)).toEqual([3]);
        expect(await store.deleteMessagesBefore(batch[0]!.sentAt)).toBe(0);

        const [next] = await store.appendMessages([message(conv, alice, "a4")]);
        expect(next).toMatchObject({ ok: true, seq: 4 });
        expect(await store.deleteMessagesBefore(clock + 1)).toBe(2);
        expect(await store.oldestSeq(conv)).toBeNull();
      });
    });

    describe("cursors and receipts", () => {
      test("an ack moves the device's cursor and its user's delivery watermark, forward only", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);

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
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);

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
        await store.appendMessages([message(conv, alice, "a1"), message(other, alice, "a2"), message(other, alice, "a3")]);

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
        await store.appendMessages([message(conv, alice, "a1")]);
        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 99 }])).toEqual([
          { conv, userId: bob.id, delivered: 1 },
        ]);
        expect((await store.cursorsOf(phone.id)).get(conv)).toBe(1);
        // so the next message is not skipped
        await store.appendMessages([message(conv, alice, "a2")]);
        expect((await store.messagesAfter(conv, 1, 10)).map((m) => m.clientId)).toEqual(["a2"]);
      });

      test("an ack for a conversation the user is not in changes nothing", async () => {
        const { alice, conv } = await aliceAndBob();
        const mallory = await user("mallory");
        const device = (await store.createDevice(mallory.id, "laptop", "token-1", 5_000, MANY_DEVICES))!;
        await store.appendMessages([message(conv, alice, "a1")]);
        expect(await store.saveDelivered([{ device: device.id, userId: mallory.id, conv, seq: 1 }])).toEqual([]);
        expect((await store.cursorsOf(device.id)).has(conv)).toBe(false);
        expect(await store.membersOf(conv)).toHaveLength(2);
      });

      test("an ack from a revoked device, or naming another user's device, changes nothing", async () => {
        const { alice, bob, conv } = await aliceAndBob();
        const bobPhone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        const aliceLaptop = (await store.createDevice(alice.id, "laptop", "token-2", 5_000, MANY_DEVICES))!;
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2")]);
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
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2"), message(conv, alice, "a3")]);
        expect(await store.saveRead(bob.id, conv, 2)).toBe(2);
        expect(await store.saveRead(bob.id, conv, 2)).toBeNull();
        expect(await store.saveRead(bob.id, conv, 1)).toBeNull();
        expect(await store.saveRead(bob.id, conv, 99)).toBe(3);
        const bobMarks = (await store.membersOf(conv)).find((m) => m.userId === bob.id);
        expect(bobMarks).toEqual({ userId: bob.id, name: "bob", delivered: 3, read: 3 });
      });

      test("someone outside the conversation cannot mark it read", async () => {
        const { alice, conv } = await aliceAndBob();
        const mallory = await user("mallory");
        await store.appendMessages([message(conv, alice, "a1")]);
        expect(await store.saveRead(mallory.id, conv, 1)).toBeNull();
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

        await store.appendMessages([message(conv, alice, "a1")]);
        expect((await store.messagesAfter(conv, 0, 10)).map((m) => [m.seq, m.sender])).toEqual([[1, "alice"]]);
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
        await store.appendMessages([message(conv, alice, "a1"), message(conv, bob, "b1"), message(conv, alice, "a2")]);

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

        const [sent] = await store.appendMessages([message(conv, dave, "d1")]);
        expect(sent).toMatchObject({ ok: true, seq: 4 });
        expect((await store.messagesAfter(conv, 3, 10)).map((m) => m.clientId)).toEqual(["d1"]);
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
        await store.appendMessages([message(conv, alice, "a1")]);

        expect(await store.removeGroupMember(conv, bob.id)).toBe(true);
        expect(await store.removeGroupMember(conv, bob.id)).toBe(false);
        expect(await rolesOf(conv)).toEqual([
          ["alice", "admin"],
          ["carol", "member"],
        ]);
        expect(await store.membershipsOf(bob.id)).toEqual([]);
        expect((await store.cursorsOf(phone.id)).has(conv)).toBe(false);

        expect(await store.appendMessages([message(conv, bob, "b1")])).toEqual([{ ok: false, reason: "not_member" }]);
        expect(await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 1 }])).toEqual([]);
        expect((await store.cursorsOf(phone.id)).has(conv)).toBe(false);
        expect(await store.saveRead(bob.id, conv, 1)).toBeNull();
      });

      test("a removed member added back starts again from the group's current end", async () => {
        const { alice, bob, conv } = await team();
        const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
        await store.removeGroupMember(conv, bob.id);
        await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2")]);
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
        expect(await store.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: true });

        expect(await store.setPrivacy(alice.id, { hideLastSeen: true })).toEqual({ hideLastSeen: true, readReceipts: true });
        expect(await store.setPrivacy(alice.id, { readReceipts: false })).toEqual({ hideLastSeen: true, readReceipts: false });
        expect(await store.setPrivacy(alice.id, {})).toEqual({ hideLastSeen: true, readReceipts: false });
        expect(await store.setPrivacy(alice.id, { hideLastSeen: false, readReceipts: true })).toEqual({
          hideLastSeen: false,
          readReceipts: true,
        });
        await store.setPrivacy(alice.id, { readReceipts: false });
        expect(await store.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: false });
        expect(await store.privacyOf(bob.id)).toEqual({ hideLastSeen: false, readReceipts: true });
      });

      test("last seen is unknown until recorded, then the time recorded last", async () => {
        const alice = await user("alice");
        const bob = await user("bob");
        expect(await store.lastSeenOf(alice.id)).toBeNull();
        await store.setLastSeen(alice.id, 5_000);
        expect(await store.lastSeenOf(alice.id)).toBe(5_000);
        await store.setLastSeen(alice.id, 9_000);
        expect(await store.lastSeenOf(alice.id)).toBe(9_000);
        expect(await store.lastSeenOf(bob.id)).toBeNull();
      });

      test("contacts are everyone sharing a conversation or group, each once, with their last seen and whether they hide it", async () => {
        const { alice, bob } = await aliceAndBob();
        const carol = await user("carol");
        const dave = await user("dave");
        const mallory = await user("mallory");
        await store.directConversation(alice.id, carol.id, 3_000);
        const group = (await store.createGroup("team", alice.id, [bob.id, dave.id], 3_000))!;
        await store.setLastSeen(bob.id, 7_000);
        await store.setPrivacy(bob.id, { hideLastSeen: true });

        const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
        expect((await store.contactsOf(alice.id)).sort(byName)).toEqual([
          { userId: bob.id, name: "bob", lastSeen: 7_000, hideLastSeen: true },
          { userId: carol.id, name: "carol", lastSeen: null, hideLastSeen: false },
          { userId: dave.id, name: "dave", lastSeen: null, hideLastSeen: false },
        ]);
        expect((await store.contactsOf(dave.id)).map((c) => c.name).sort()).toEqual(["alice", "bob"]);
        expect(await store.contactsOf(mallory.id)).toEqual([]);

        await store.removeGroupMember(group.conv, dave.id);
        expect((await store.contactsOf(alice.id)).map((c) => c.name).sort()).toEqual(["bob", "carol"]);
        expect(await store.contactsOf(dave.id)).toEqual([]);
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
      expect(await upgraded.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: true });
      expect(await upgraded.lastSeenOf(alice.id)).toBeNull();
      expect(await upgraded.contactsOf(alice.id)).toEqual([{ userId: bob.id, name: "bob", lastSeen: null, hideLastSeen: false }]);
      const group = await upgraded.createGroup("team", bob.id, [alice.id], 4_000);

      // a second server starting finds nothing left to migrate
      const again = await openAnother(legacy);
      expect(await again.groupByName("team")).toEqual(group);
      expect((await again.groupMembers(group!.conv)).map((m) => [m.name, m.role])).toEqual([
        ["bob", "admin"],
        ["alice", "member"],
      ]);
    });

    test("everything is still there after the store is closed and opened again", async () => {
      const { alice, bob, conv } = await aliceAndBob();
      const phone = (await store.createDevice(bob.id, "phone", "token-1", 5_000, MANY_DEVICES))!;
      await store.appendMessages([message(conv, alice, "a1"), message(conv, alice, "a2")]);
      await store.saveDelivered([{ device: phone.id, userId: bob.id, conv, seq: 1 }]);
      await store.saveRead(bob.id, conv, 1);
      const group = await store.createGroup("team", bob.id, [alice.id], 6_000);
      await store.setPrivacy(alice.id, { readReceipts: false });
      await store.setLastSeen(bob.id, 7_000);
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
      const [next] = await reopened.appendMessages([message(conv, bob, "b1")]);
      expect(next).toMatchObject({ ok: true, seq: 3 });
      expect(await reopened.groupByName("team")).toEqual(group);
      expect((await reopened.groupMembers(group!.conv)).map((m) => [m.name, m.role])).toEqual([
        ["bob", "admin"],
        ["alice", "member"],
      ]);
      expect(await reopened.privacyOf(alice.id)).toEqual({ hideLastSeen: false, readReceipts: false });
      expect(await reopened.lastSeenOf(bob.id)).toBe(7_000);
    });
  });
}
