import { describe, expect, test } from "bun:test";
import type { ServerFrame } from "../../src/protocol/index.ts";
import { codeOf, messagesIn } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";
import { eventually } from "../helpers/eventually.ts";
import type { TestSocket } from "../helpers/socket.ts";

const presenceOf = (user: string) => (frame: ServerFrame) => frame.type === "presence" && frame.user === user;
const wentDark = (user: string) => (frame: ServerFrame) => presenceOf(user)(frame) && frame.type === "presence" && !frame.online;
const aboutUser = (user: string) => (frame: ServerFrame) =>
  (frame.type === "presence" && frame.user === user) || (frame.type === "typing" && frame.from === user) || (frame.type === "receipt" && frame.by === user);
const markerFrom = (text: string) => (frame: ServerFrame) => frame.type === "message" && frame.text === text;

/**
 * The attacks of issue 13, tried as a stranger would: one unsolicited message, a group made and left,
 * hundreds of groups, and what a blocked user can still do. The victim is alice; mallory attacks.
 */
for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();
    const setup = (config = {}) => deploymentWithUsers(kind, ["alice", "mallory", "carol"], defer, { presenceSettleMs: 100, ...config });

    /** Frames that reached `socket` before a marker carol sends it now: what the attacker got so far. */
    async function framesBeforeMarker(carol: TestSocket, socket: TestSocket, to: string): Promise<ServerFrame[]> {
      const marker = `marker-${crypto.randomUUID()}`;
      await carol.sendMessage(to, marker);
      await socket.next(markerFrom(marker));
      return socket.pending();
    }

    test("a stranger's message is delivered, but the stranger learns nothing but ✓: no presence, typing, delivered or read", async () => {
      const { connect, api, server } = await setup();
      const [alice, mallory, carol] = await Promise.all([connect("alice"), connect("mallory"), connect("carol")]);
      const sent = await mallory.sendMessage("alice", "hi, remember me?");
      const received = await alice.nextMessage();
      expect(received).toMatchObject({ from: "mallory", text: "hi, remember me?" });
      alice.send({ type: "typing", to: "mallory" });
      alice.send({ type: "received", conv: sent.conv, seq: sent.seq });
      alice.send({ type: "read", conv: sent.conv, seq: sent.seq });
      const store = await server.openStore();
      defer(() => store.close());
      await eventually("alice's read mark to be saved", () => store.membersOf(sent.conv), (members) => members.some((m) => m.name === "alice" && m.read === sent.seq));
      await alice.close();
      await connect("alice");
      expect((await framesBeforeMarker(carol, mallory, "mallory")).filter(aboutUser("alice"))).toEqual([]);
      const history = (await api("mallory").get("/api/history?with=alice")).body;
      expect(messagesIn(history).map((message) => message.status)).toEqual(["sent"]);
      // Nor does the stranger's typing reach alice.
      mallory.send({ type: "typing", to: "alice" });
      const aliceAgain = await connect("alice");
      expect((await framesBeforeMarker(carol, aliceAgain, "alice")).filter(aboutUser("mallory"))).toEqual([]);
    });

    test("the victim is told the sender is no contact; accepting makes them contacts, and both learn where the other stands", async () => {
      const { connect, api, server } = await setup();
      const [alice, mallory] = await Promise.all([connect("alice"), connect("mallory")]);
      const sent = await mallory.sendMessage("alice", "hello");
      await alice.nextMessage();
      alice.send({ type: "read", conv: sent.conv, seq: sent.seq });
      const store = await server.openStore();
      defer(() => store.close());
      await eventually("alice's read mark to be saved", () => store.membersOf(sent.conv), (members) => members.some((m) => m.name === "alice" && m.read === sent.seq));
      expect((await api("alice").get("/api/contacts")).body).toEqual({ contacts: [], blocked: [] });
      expect((await api("mallory").get("/api/contacts")).body).toEqual({ contacts: [{ name: "alice", mutual: false }], blocked: [] });
      expect((await api("alice").post("/api/contacts", { user: "mallory" })).body).toEqual({ name: "mallory", mutual: true });
      expect(await mallory.next(presenceOf("alice"))).toMatchObject({ online: true });
      expect(await alice.next(presenceOf("mallory"))).toMatchObject({ online: true });
      // What alice read before accepting reaches mallory now.
      expect(await mallory.next((f) => f.type === "receipt" && f.by === "alice")).toEqual({ type: "receipt", conv: sent.conv, by: "alice", delivered: sent.seq, read: sent.seq });
    });

    test("a stranger who puts the victim in a group and leaves learns nothing of the victim's presence", async () => {
      const { connect, api } = await setup();
      const [mallory, carol] = await Promise.all([connect("mallory"), connect("carol")]);
      expect((await api("mallory").post("/api/groups", { name: "trap", members: ["alice"] })).status).toBe(201);
      expect((await api("mallory").delete("/api/groups/trap/members/mallory")).status).toBe(204);
      const alice = await connect("alice");
      await alice.close();
      await connect("alice");
      expect((await framesBeforeMarker(carol, mallory, "mallory")).filter(presenceOf("alice"))).toEqual([]);
    });

    test("hundreds of groups cannot be made around the victim: creating and adding is rate-limited, the victim's own groups still work", async () => {
      const { api } = await setup({ groupAddsPerHour: 10 });
      let made = 0;
      let refusal: { status: number; body: unknown } | undefined;
      for (let attempt = 0; attempt < 20 && !refusal; attempt++) {
        const answer = await api("mallory").post("/api/groups", { name: `trap${attempt}`, members: ["alice"] });
        if (answer.status === 201) made++;
        else refusal = answer;
      }
      // Each group takes two of the ten: its creation and alice.
      expect(made).toBe(5);
      expect(refusal!.status).toBe(429);
      expect(codeOf(refusal!)).toBe("rate_limited");
      expect((await api("alice").post("/api/groups", { name: "mine", members: ["carol"] })).status).toBe(201);
    });

    test("who can add me: contacts only turns a stranger's add into an invitation, which the victim accepts or declines", async () => {
      const { connect, api, befriend } = await setup();
      await befriend("alice", "carol");
      expect((await api("alice").patch("/api/settings", { groupAdds: "contacts" })).body).toMatchObject({ groupAdds: "contacts" });
      const alice = await connect("alice");
      const created = await api("mallory").post("/api/groups", { name: "spam", members: ["alice", "carol"] });
      expect(created.body).toMatchObject({ name: "spam", invited: ["alice"] });
      expect(created.body.members.map((member: { name: string }) => member.name).sort()).toEqual(["carol", "mallory"]);
      expect(await alice.next((f) => f.type === "group_invite")).toMatchObject({ type: "group_invite", group: "spam", from: "mallory" });
      expect((await api("alice").get("/api/groups")).body).toEqual({ groups: [] });
      expect((await api("alice").get("/api/group-invites")).body).toMatchObject({ invites: [{ group: "spam", from: "mallory" }] });
      expect((await api("alice").delete("/api/group-invites/spam")).status).toBe(204);
      expect((await api("alice").get("/api/group-invites")).body).toEqual({ invites: [] });
      expect(codeOf(await api("alice").post("/api/group-invites/spam/accept"))).toBe("not_found");

      // A contact's add goes straight through; a stranger's second try is an invitation alice accepts.
      expect((await api("carol").post("/api/groups", { name: "friends", members: ["alice"] })).body).not.toHaveProperty("invited");
      expect((await api("mallory").post("/api/groups/spam/members", { user: "alice" })).body).toMatchObject({ invited: ["alice"] });
      const joined = await api("alice").post("/api/group-invites/spam/accept");
      expect(joined.status).toBe(200);
      expect(joined.body.members.map((member: { name: string }) => member.name).sort()).toEqual(["alice", "carol", "mallory"]);
      const notices = (await api("alice").get("/api/history?with=%23spam")).body.messages.filter((entry: { type: string }) => entry.type === "notice");
      expect(notices).toMatchObject([{ from: "alice", change: "joined", user: "mallory" }]);

      await api("alice").patch("/api/settings", { groupAdds: "nobody" });
      expect((await api("carol").post("/api/groups", { name: "party", members: ["alice"] })).body).toMatchObject({ invited: ["alice"] });
    });

    test("a blocked user's messages are taken (✓) but never reach the blocker, live, on reconnect, in history or search", async () => {
      const { connect, api, befriend } = await setup();
      await befriend("alice", "mallory");
      const [alice, mallory, carol] = await Promise.all([connect("alice"), connect("mallory"), connect("carol")]);
      expect((await api("alice").post("/api/blocks", { user: "mallory" })).status).toBe(204);
      expect(await alice.next((f) => f.type === "contact")).toEqual({ type: "contact", user: "mallory", state: "blocked" });
      // mallory sees alice go dark at once, and her send looks like any other.
      expect(await mallory.next(wentDark("alice"))).toEqual({ type: "presence", user: "alice", online: false, lastSeen: null });
      const sent = await mallory.sendMessage("alice", "you cannot ignore me");
      expect(sent).toMatchObject({ type: "sent" });
      expect((await framesBeforeMarker(carol, alice, "alice")).filter((f) => f.type === "message" && f.from === "mallory")).toEqual([]);
      const later = await connect("alice");
      expect((await framesBeforeMarker(carol, later, "alice")).filter((f) => f.type === "message" && !f.hidden && f.from === "mallory")).toEqual([]);
      expect(messagesIn((await api("alice").get("/api/history?with=mallory")).body)).toEqual([]);
      expect((await api("alice").get("/api/search?q=ignore")).body.hits).toEqual([]);
      expect(messagesIn((await api("mallory").get("/api/history?with=alice")).body).map((m) => [m.text, m.status])).toEqual([["you cannot ignore me", "sent"]]);

      // alice cannot write to mallory while she blocks her; mallory cannot put alice in a group, and cannot tell.
      later.send({ type: "send", id: "to-blocked", to: "mallory", text: "hm" });
      expect(await later.next((f) => f.type === "error")).toMatchObject({ id: "to-blocked", code: "blocked" });
      expect((await api("mallory").post("/api/groups", { name: "trap", members: ["alice"] })).body).toMatchObject({ invited: ["alice"] });
      expect((await api("alice").get("/api/group-invites")).body).toEqual({ invites: [] });
      expect((await api("alice").get("/api/contacts")).body).toEqual({ contacts: [], blocked: ["mallory"] });

      // Unblocked: what was sent during the block stays unseen; what comes next arrives.
      expect((await api("alice").delete("/api/blocks/mallory")).status).toBe(204);
      await mallory.sendMessage("alice", "after the block");
      expect(await later.next(markerFrom("after the block"))).not.toHaveProperty("hidden");
      expect(messagesIn((await api("alice").get("/api/history?with=mallory")).body).map((m) => m.text)).toEqual(["after the block"]);
    });

    test("removing a contact stops presence both ways; blocking or adding oneself is refused", async () => {
      const { connect, api, befriend } = await setup();
      await befriend("alice", "carol");
      const [alice, carol] = await Promise.all([connect("alice"), connect("carol")]);
      expect(await carol.next(presenceOf("alice"))).toMatchObject({ online: true });
      expect((await api("alice").delete("/api/contacts/carol")).status).toBe(204);
      expect(await carol.next(wentDark("alice"))).toEqual({ type: "presence", user: "alice", online: false, lastSeen: null });
      expect(await alice.next(wentDark("carol"))).toEqual({ type: "presence", user: "carol", online: false, lastSeen: null });
      expect(codeOf(await api("alice").post("/api/blocks", { user: "alice" }))).toBe("bad_request");
      expect(codeOf(await api("alice").post("/api/contacts", { user: "nobody-here" }))).toBe("unknown_user");
    });
  });
}
