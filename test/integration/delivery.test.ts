import { describe, expect, test } from "bun:test";
import { messagesIn } from "../helpers/api.ts";
import { HistoryPage, type Session } from "../../src/protocol/index.ts";
import { loginUser, registerUser } from "../helpers/server.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { eventually } from "../helpers/eventually.ts";
import { TestSocket } from "../helpers/socket.ts";
import { DEPLOYMENT_KINDS, makeContacts, type Deployment } from "../helpers/deployments.ts";

for (const kind of DEPLOYMENT_KINDS) {
describe(kind.name, () => {
  const defer = cleanupAfterEach();

  async function serverWithUsers(...names: string[]): Promise<{ server: Deployment; users: Record<string, Session> }> {
    const server = await kind.start();
    defer(() => server.cleanup());
    const users: Record<string, Session> = {};
    for (const name of names) users[name] = await registerUser(server, name);
    // People who know each other: receipts flow between contacts only.
    for (const [index, a] of names.entries()) for (const b of names.slice(index + 1)) await makeContacts(server, users[a]!, users[b]!);
    return { server, users };
  }

  async function connect(server: Deployment, session: Session, cursors?: Record<string, number>): Promise<TestSocket> {
    const socket = await TestSocket.connect(server.wsUrl, session.token, cursors);
    defer(() => socket.close());
    return socket;
  }

  /** Messages replayed before `ready`, in arrival order. */
  function replayed(socket: TestSocket) {
    return socket.pending().filter((frame) => frame.type === "message");
  }

  describe("offline delivery", () => {
    test("a message sent while bob is offline reaches him when he connects, once", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const alice = await connect(server, users.alice!);
      await alice.sendMessage("bob", "while you were away");

      const bob = await connect(server, users.bob!);
      const backlog = bob.acknowledgeMessages();
      expect(backlog.map((m) => m.text)).toEqual(["while you were away"]);
      await alice.next((f) => f.type === "receipt" && f.delivered === backlog[0]!.seq);
      await bob.close();

      // bob's device says where it got to: reconnecting replays nothing.
      await alice.sendMessage("bob", "marker after the ack");
      const again = await connect(server, users.bob!, { [backlog[0]!.conv]: backlog[0]!.seq });
      expect(replayed(again).map((m) => m.type === "message" && m.text)).toEqual(["marker after the ack"]);
    });

    test("a device that drops mid-stream resumes from its cursor with no gap and no repeat", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const alice = await connect(server, users.alice!);
      for (let i = 1; i <= 30; i++) await alice.sendMessage("bob", `m${i}`);

      const first = await connect(server, users.bob!);
      const firstBatch = replayed(first).slice(0, 12);
      const last = firstBatch.at(-1)!;
      if (last.type !== "message") throw new Error("expected a message");
      // The device processed 12 but acknowledged only 5 before dropping: its own cursor says 12.
      first.send({ type: "received", conv: last.conv, seq: 5 });
      await first.close();
      for (let i = 31; i <= 35; i++) await alice.sendMessage("bob", `m${i}`);

      const resumed = await connect(server, users.bob!, { [last.conv]: last.seq });
      const texts = replayed(resumed).map((m) => m.type === "message" && m.text);
      expect(texts).toEqual(Array.from({ length: 23 }, (_, i) => `m${i + 13}`));
    });

    test("two devices of bob each get every message once", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const bobPhone = await loginUser(server, "bob", undefined, "phone");
      const alice = await connect(server, users.alice!);
      for (let i = 1; i <= 5; i++) await alice.sendMessage("bob", `offline ${i}`);
      const devices = [await connect(server, users.bob!), await connect(server, bobPhone)];
      const backlogs = devices.map((device) => device.acknowledgeMessages().map((m) => m.text));
      for (let i = 6; i <= 10; i++) await alice.sendMessage("bob", `online ${i}`);
      for (const [index, device] of devices.entries()) {
        const live = [];
        for (let i = 6; i <= 10; i++) live.push((await device.nextMessage()).text);
        expect([...backlogs[index]!, ...live]).toEqual([
          ...Array.from({ length: 5 }, (_, i) => `offline ${i + 1}`),
          ...Array.from({ length: 5 }, (_, i) => `online ${i + 6}`),
        ]);
      }
      // Nothing more is on its way to either device: a marker arrives next.
      await alice.sendMessage("bob", "marker");
      for (const device of devices) expect((await device.nextMessage()).text).toBe("marker");
    });

    test("a device logged in later gets what no device of bob has received yet, not what was delivered", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const alice = await connect(server, users.alice!);
      await alice.sendMessage("bob", "seen on the laptop");
      const laptop = await connect(server, users.bob!);
      const [seen] = laptop.acknowledgeMessages();
      await laptop.close();
      // The new device starts where bob's saved delivered mark stands: wait until it is saved.
      const history = () => fetch(`${server.url}/api/history?with=bob`, { headers: { authorization: `Bearer ${users.alice!.token}` } }).then(async (r) => HistoryPage.parse(await r.json()));
      await eventually("bob's delivered mark to be saved", history, (page) => messagesIn(page).find((m) => m.seq === seen!.seq)?.status === "delivered");
      await alice.sendMessage("bob", "not yet delivered");
      const phone = await connect(server, await loginUser(server, "bob", undefined, "phone"));
      expect(replayed(phone).map((m) => m.type === "message" && m.text)).toEqual(["not yet delivered"]);
    });
  });

  describe("idempotent send", () => {
    test("a retry with the same id stores nothing new and gets the original ack", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const alice = await connect(server, users.alice!);
      const first = await alice.sendMessage("bob", "only once", "same-id-1");
      const retry = await alice.sendMessage("bob", "only once", "same-id-1");
      expect(retry).toEqual(first);
      const bob = await connect(server, users.bob!);
      expect(replayed(bob).map((m) => m.type === "message" && m.id)).toEqual(["same-id-1"]);
    });

    test("the same id from two different senders is two messages", async () => {
      const { server, users } = await serverWithUsers("alice", "bob", "carol");
      const [alice, carol] = await Promise.all([connect(server, users.alice!), connect(server, users.carol!)]);
      await alice.sendMessage("bob", "from alice", "shared-id");
      await carol.sendMessage("bob", "from carol", "shared-id");
      const bob = await connect(server, users.bob!);
      expect(replayed(bob).map((m) => m.type === "message" && m.text).sort()).toEqual(["from alice", "from carol"]);
    });
  });

  describe("receipts", () => {
    test("delivered and read reach the sender's devices, and read reaches the reader's other devices", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const bobPhone = await loginUser(server, "bob", undefined, "phone");
      const [alice, bob, phone] = await Promise.all([connect(server, users.alice!), connect(server, users.bob!), connect(server, bobPhone)]);
      const sent = await alice.sendMessage("bob", "tick tick");
      await bob.nextMessage();
      bob.send({ type: "received", conv: sent.conv, seq: sent.seq });
      expect(await alice.next((f) => f.type === "receipt")).toMatchObject({ conv: sent.conv, by: "bob", delivered: sent.seq });
      bob.send({ type: "read", conv: sent.conv, seq: sent.seq });
      expect(await alice.next((f) => f.type === "receipt" && f.read !== undefined)).toMatchObject({ by: "bob", read: sent.seq });
      expect(await phone.next((f) => f.type === "receipt" && f.read !== undefined)).toMatchObject({ by: "bob", read: sent.seq });
    });

    test("a quick reply does not swallow the sender's ✓✓ and read", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const [alice, bob] = await Promise.all([connect(server, users.alice!), connect(server, users.bob!)]);
      const sent = await alice.sendMessage("bob", "are you there?");
      await bob.nextMessage();
      // bob answers before his device's acknowledgement and read mark go out.
      await bob.sendMessage("alice", "yes!");
      bob.send({ type: "received", conv: sent.conv, seq: sent.seq });
      bob.send({ type: "read", conv: sent.conv, seq: sent.seq });
      // Whichever is stored first, a receipt ends up saying both: ✓✓ and read.
      const both = await alice.next((f) => f.type === "receipt" && (f.delivered ?? 0) >= sent.seq && (f.read ?? 0) >= sent.seq);
      expect(both).toMatchObject({ by: "bob", conv: sent.conv });
    });

    test("a sender device that was offline gets the receipts when it connects", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const alice = await connect(server, users.alice!);
      const sent = await alice.sendMessage("bob", "read this later");
      alice.acknowledgeMessages();
      await alice.close();
      const bob = await connect(server, users.bob!);
      // bob's other device hears of the read once it is stored.
      const bobPhone = await connect(server, await loginUser(server, "bob", undefined, "phone"));
      bob.acknowledgeMessages();
      bob.send({ type: "read", conv: sent.conv, seq: sent.seq });
      await bobPhone.next((f) => f.type === "receipt" && f.by === "bob" && f.read === sent.seq);
      await bob.close();

      const aliceAgain = await connect(server, users.alice!);
      expect(aliceAgain.pending().filter((f) => f.type === "receipt")).toContainEqual({
        type: "receipt",
        conv: sent.conv,
        by: "bob",
        delivered: sent.seq,
        read: sent.seq,
      });
    });
  });

  describe("history", () => {
    test("returns both directions newest first, paginated, with each message's status", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const [alice, bob] = await Promise.all([connect(server, users.alice!), connect(server, users.bob!)]);
      const opening = await bob.sendMessage("alice", "b0");
      for (let i = 1; i <= 5; i++) await alice.sendMessage("bob", `a${i}`);
      // bob's device has a1..a4 (seq 2..5), and he has read a1 and a2.
      bob.send({ type: "received", conv: opening.conv, seq: 5 });
      bob.send({ type: "read", conv: opening.conv, seq: 3 });
      const page = async (query: string) => {
        const response = await fetch(`${server.url}/api/history?${query}`, { headers: { authorization: `Bearer ${users.alice!.token}` } });
        expect(response.status).toBe(200);
        return HistoryPage.parse(await response.json());
      };
      // Delivered marks are saved a moment after the ✓✓ goes out: wait for the history to show them.
      const first = await eventually("history to show a4 delivered", () => page("with=bob&limit=4"), (found) => messagesIn(found)[1]?.status === "delivered");
      expect(messagesIn(first).map((m) => [m.text, m.status])).toEqual([["a5", "sent"], ["a4", "delivered"], ["a3", "delivered"], ["a2", "read"]]);
      const second = await page(`with=bob&limit=4&before=${first.next}`);
      // alice's device never acknowledged b0: writing after it does not make it read.
      expect(messagesIn(second).map((m) => [m.from, m.text, m.status])).toEqual([["alice", "a1", "read"], ["bob", "b0", "sent"]]);
      expect(second.next).toBeNull();
    });

    test("bad queries, missing and made-up tokens are refused; a token shows only its own user's conversations", async () => {
      const { server, users } = await serverWithUsers("alice", "bob", "carol");
      const historyAs = (token: string | undefined, query: string) =>
        fetch(`${server.url}/api/history?${query}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
      const bad = await historyAs(users.alice!.token, "with=bob&limit=9999");
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain("limit");
      expect((await historyAs(undefined, "with=bob")).status).toBe(401);
      expect((await historyAs(`${users.alice!.token.slice(0, -4)}AAAA`, "with=bob")).status).toBe(401);
      // bob's token asking for "carol" gets bob's conversation with carol, never alice's.
      const alice = await connect(server, users.alice!);
      await alice.sendMessage("carol", "between alice and carol");
      const bobsView = HistoryPage.parse(await (await historyAs(users.bob!.token, "with=carol")).json());
      expect(bobsView.messages).toEqual([]);
      const carolsView = HistoryPage.parse(await (await historyAs(users.carol!.token, "with=alice")).json());
      expect(messagesIn(carolsView).map((m) => m.text)).toEqual(["between alice and carol"]);
    });
  });

  describe("cannot resume", () => {
    test("a cursor into messages removed by retention gets an explicit gap, then the rest", async () => {
      const { server, users } = await serverWithUsers("alice", "bob");
      const alice = await connect(server, users.alice!);
      for (let i = 1; i <= 3; i++) await alice.sendMessage("bob", `old ${i}`);
      await server.stop();
      const store = await server.openStore();
      await store.deleteEventsBefore(Date.now() + 1);
      await store.close();

      await server.start();
      const aliceAgain = await connect(server, users.alice!);
      const sent = await aliceAgain.sendMessage("bob", "new 4");
      const bob = await connect(server, users.bob!);
      const frames = bob.pending().filter((f) => f.type === "gap" || f.type === "message");
      expect(frames).toEqual([
        { type: "gap", conv: sent.conv, with: "alice", after: 0, until: 3 },
        expect.objectContaining({ type: "message", seq: 4, text: "new 4" }),
      ]);
    });
  });
});
}
