import { describe, expect, test } from "bun:test";
import { DeviceList } from "../../src/protocol/index.ts";
import { apiAs, codeOf } from "../helpers/api.ts";
import { loginUser } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { eventually } from "../helpers/eventually.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";

for (const kind of DEPLOYMENT_KINDS) {
describe(kind.name, () => {
  const defer = cleanupAfterEach();
  const setup = (names: string[], config = {}) => deploymentWithUsers(kind, names, defer, config);

  const presenceOf = (user: string, online?: boolean) => (frame: { type: string; user?: string; online?: boolean }) =>
    frame.type === "presence" && frame.user === user && (online === undefined || frame.online === online);

  describe("presence", () => {
    test("contacts see online and offline with last seen; strangers see nothing", async () => {
      const { connect } = await setup(["alice", "bob", "eve"]);
      const alice = await connect("alice");
      await alice.sendMessage("bob", "hello bob");
      const bobFirst = await connect("bob");
      await bobFirst.sendMessage("alice", "hello alice");
      // bob's answer made them contacts: alice learns at once where bob stands.
      expect(await alice.next(presenceOf("bob"))).toMatchObject({ online: true });
      await bobFirst.close();
      await alice.next(presenceOf("bob", false));
      const eve = await connect("eve");

      const bob = await connect("bob");
      await alice.next(presenceOf("bob", true));
      const before = Date.now();
      await bob.close();
      const offline = await alice.next(presenceOf("bob", false));
      expect(offline).toMatchObject({ online: false });
      expect((offline as { lastSeen: number }).lastSeen).toBeGreaterThanOrEqual(before - 1000);

      // eve is no contact of bob's: the next frame she gets is a marker, not bob's presence.
      await alice.sendMessage("eve", "marker");
      expect((await eve.next((f) => f.type === "message" || f.type === "presence"))).toMatchObject({ type: "message", text: "marker" });
    });

    test("a device that connects is told where its contacts stand", async () => {
      const { connect, befriend } = await setup(["alice", "bob"]);
      await befriend("alice", "bob");
      await connect("bob");
      const alice = await connect("alice");
      expect(alice.pending().find(presenceOf("bob"))).toMatchObject({ online: true });
    });

    test("two people who add each other learn each other's presence at once", async () => {
      const { api, connect } = await setup(["alice", "bob"]);
      const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
      expect((await api("alice").post("/api/contacts", { user: "bob" })).body).toEqual({ name: "bob", mutual: false });
      expect(await alice.next((f) => f.type === "contact")).toEqual({ type: "contact", user: "bob", state: "contact" });
      expect((await api("bob").post("/api/contacts", { user: "alice" })).body).toEqual({ name: "alice", mutual: true });
      expect(await alice.next(presenceOf("bob"))).toMatchObject({ online: true });
      expect(await bob.next(presenceOf("alice"))).toMatchObject({ online: true });
    });

    test("a flapping connection is coalesced: one update per server at most", async () => {
      const { connect, server, befriend } = await setup(["alice", "bob"], { presenceSettleMs: 1000 });
      const alice = await connect("alice");
      await befriend("alice", "bob");
      expect(await alice.next(presenceOf("bob"))).toMatchObject({ online: false }); // the introduction
      const flaps = [];
      for (let i = 0; i < 5; i++) {
        const bob = await connect("bob");
        flaps.push(bob);
        if (i < 4) await bob.close();
      }
      expect(await alice.next(presenceOf("bob"), 5000)).toMatchObject({ online: true });
      await flaps.at(-1)!.sendMessage("alice", "marker");
      await alice.next((f) => f.type === "message" && f.text === "marker");
      // bob's five connections were spread over the servers; each settles on its own.
      const more = alice.pending().filter(presenceOf("bob"));
      expect(more.length).toBeLessThan(server.servers.length);
      for (const update of more) expect(update).toMatchObject({ online: true });
    });

    test("hiding last seen hides it both ways", async () => {
      const { api, connect, befriend } = await setup(["alice", "bob"]);
      const alice = await connect("alice");
      await befriend("alice", "bob");
      expect((await api("bob").patch("/api/settings", { hideLastSeen: true })).body).toEqual({ hideLastSeen: true, readReceipts: true, groupAdds: "everyone" });
      await (await connect("bob")).close();
      expect(await alice.next((f) => presenceOf("bob")(f) && f.type === "presence" && !f.online)).toMatchObject({ lastSeen: null });

      await api("bob").patch("/api/settings", { hideLastSeen: false });
      await api("alice").patch("/api/settings", { hideLastSeen: true });
      // Online first: an online-then-offline blip within the settle time is (rightly) never announced.
      const bob = await connect("bob");
      await alice.next((f) => presenceOf("bob")(f) && f.type === "presence" && f.online);
      await bob.close();
      expect(await alice.next((f) => presenceOf("bob")(f) && f.type === "presence" && !f.online)).toMatchObject({ lastSeen: null });
    });
  });

  describe("typing", () => {
    test("reaches the person typed to, and a group's other members, never stored", async () => {
      const { api, connect, befriend } = await setup(["alice", "bob", "carol", "eve"]);
      await befriend("alice", "bob");
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      const [alice, bob, carol, eve] = await Promise.all(["alice", "bob", "carol", "eve"].map(connect));
      alice!.send({ type: "typing", to: "bob" });
      expect(await bob!.next((f) => f.type === "typing")).toEqual({ type: "typing", from: "alice", to: "bob" });
      alice!.send({ type: "typing", to: "#team" });
      expect(await carol!.next((f) => f.type === "typing")).toEqual({ type: "typing", from: "alice", to: "#team" });
      eve!.send({ type: "typing", to: "#team" });
      expect(await eve!.next((f) => f.type === "error")).toMatchObject({ code: "not_member" });

      const later = await TestSocket.connect(bob!.ws.url, (await loginUser({ url: bob!.ws.url.replace("ws://", "http://").replace("/ws", "") }, "bob")).token);
      defer(() => later.close());
      expect(later.pending().filter((f) => f.type === "typing")).toEqual([]);
    });
  });

  describe("several devices", () => {
    test("a message sent from one device reaches the sender's other device, even one that was offline", async () => {
      const { server, connect, connectSession } = await setup(["alice", "bob"]);
      const phone = await loginUser(server, "alice", undefined, "phone");
      const laptop = await connect("alice");
      const sent = await laptop.sendMessage("bob", "sent from the laptop");
      const phoneSocket = await connectSession(phone);
      expect(phoneSocket.pending().find((f) => f.type === "message")).toMatchObject({ from: "alice", to: "bob", seq: sent.seq });
    });

    test("lists devices, and logging one out closes its connection and refuses its token everywhere", async () => {
      const { server, api, connect, connectSession } = await setup(["alice"]);
      const phone = await loginUser(server, "alice", undefined, "phone");
      await connect("alice");
      const phoneSocket = await connectSession(phone);
      const list = DeviceList.parse((await api("alice").get("/api/devices")).body);
      expect(list.devices.map((d) => [d.name, d.current])).toEqual([
        ["device", true],
        ["phone", false],
      ]);

      expect((await api("alice").delete(`/api/devices/${phone.device.id}`)).status).toBe(204);
      expect((await phoneSocket.closed()).code).toBe(4001);
      const phoneApi = apiAs(server.url, phone.token);
      expect(codeOf(await phoneApi.get("/api/devices"))).toBe("unauthorized");
      expect(await TestSocket.open(server.wsUrl, phone.token).then(() => "opened", () => "refused")).toBe("refused");
      expect(codeOf(await api("alice").delete(`/api/devices/${phone.device.id}`))).toBe("not_found");
    });

    test("the device list shows when each device was last active", async () => {
      const { server, api, connectSession } = await setup(["alice"]);
      const phone = await loginUser(server, "alice", undefined, "phone");
      const loggedIn = DeviceList.parse((await api("alice").get("/api/devices")).body).devices.find((d) => d.name === "phone")!;
      expect(loggedIn.lastActive).toBe(loggedIn.createdAt);
      await connectSession(phone);
      // Activity is saved in batches: wait for the list to show the connection.
      await eventually("the phone to show as active after logging in", async () => DeviceList.parse((await api("alice").get("/api/devices")).body).devices.find((d) => d.name === "phone")!, (d) => d.lastActive > d.createdAt);
    });

    test("logout ends this device's session", async () => {
      const { server, users, api } = await setup(["alice"]);
      expect((await api("alice").post("/api/logout")).status).toBe(204);
      expect(codeOf(await apiAs(server.url, users.alice!.token).get("/api/devices"))).toBe("unauthorized");
    });
  });

  describe("read receipts switch", () => {
    test("off: neither side learns the other's reads, live or after reconnecting; one's own devices still sync", async () => {
      const { server, api, connect, connectSession, users, befriend } = await setup(["alice", "bob"]);
      await befriend("alice", "bob");
      await api("bob").patch("/api/settings", { readReceipts: false });
      const bobPhone = await connectSession(await loginUser(server, "bob", undefined, "phone"));
      const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
      const receiptsBy = (socket: TestSocket, by: string) => socket.next((f) => f.type === "receipt" && f.by === by);

      // bob reads alice's message: alice learns it arrived, never that it was read; bob's phone learns both.
      const fromAlice = await alice.sendMessage("bob", "did you read this?");
      const conv = fromAlice.conv;
      await bob.nextMessage();
      bob.send({ type: "received", conv, seq: fromAlice.seq });
      bob.send({ type: "read", conv, seq: fromAlice.seq });
      expect(await bobPhone.next((f) => f.type === "receipt" && f.read !== undefined)).toEqual({ type: "receipt", conv, by: "bob", delivered: fromAlice.seq, read: fromAlice.seq });
      // One receipt for the ack, one for the read: both say delivered, neither says read.
      const delivered = { type: "receipt" as const, conv, by: "bob", delivered: fromAlice.seq };
      expect([await receiptsBy(alice, "bob"), await receiptsBy(alice, "bob")]).toEqual([delivered, delivered]);

      // alice reads bob's message: bob, who shares no reads, learns none of hers either.
      const fromBob = await bob.sendMessage("alice", "and did you read mine?");
      await alice.nextMessage();
      alice.send({ type: "received", conv, seq: fromBob.seq });
      alice.send({ type: "read", conv, seq: fromBob.seq });
      const hers = { type: "receipt" as const, conv, by: "alice", delivered: fromBob.seq };
      expect([await receiptsBy(bob, "alice"), await receiptsBy(bob, "alice")]).toEqual([hers, hers]);

      // After reconnecting, the receipts each side is sent on hello hold no read of the other.
      const store = await server.openStore();
      defer(() => store.close());
      await eventually("both sides' marks to be saved", () => store.membersOf(conv), (members) => members.every((m) => m.delivered === fromBob.seq && m.read === fromBob.seq));
      const receiptsOnHello = async (name: string) => {
        const socket = await TestSocket.connect(server.wsUrl, users[name]!.token);
        defer(() => socket.close());
        return socket.pending().filter((f) => f.type === "receipt");
      };
      expect(await receiptsOnHello("alice")).toEqual([
        { type: "receipt", conv, by: "alice", delivered: fromBob.seq, read: fromBob.seq },
        { type: "receipt", conv, by: "bob", delivered: fromBob.seq },
      ]);
      expect(await receiptsOnHello("bob")).toEqual([
        { type: "receipt", conv, by: "alice", delivered: fromBob.seq },
        { type: "receipt", conv, by: "bob", delivered: fromBob.seq, read: fromBob.seq },
      ]);
      const history = await api("alice").get("/api/history?with=bob");
      expect(history.body.messages.find((m: { text: string }) => m.text === "did you read this?").status).toBe("delivered");
    });
  });
});
}
