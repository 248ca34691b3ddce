import { describe, expect, test } from "bun:test";
import { GroupInfo, GroupList, MessageReceipts } from "../../src/protocol/index.ts";
import { codeOf } from "../helpers/api.ts";
import { eventually } from "../helpers/eventually.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";

for (const kind of DEPLOYMENT_KINDS) {
describe(kind.name, () => {
  const defer = cleanupAfterEach();
  const setup = (names: string[], config = {}) => deploymentWithUsers(kind, names, defer, config);

  describe("group lifecycle and permissions", () => {
    test("the creator is admin; members see the group, non-members learn nothing", async () => {
      const { api } = await setup(["alice", "bob", "carol", "eve"]);
      const created = await api("alice").post("/api/groups", { name: "Team", members: ["bob", "carol"] });
      expect(created.status).toBe(201);
      expect(GroupInfo.parse(created.body)).toMatchObject({
        name: "team",
        members: [
          { name: "alice", role: "admin" },
          { name: "bob", role: "member" },
          { name: "carol", role: "member" },
        ],
      });
      expect(GroupList.parse((await api("bob").get("/api/groups")).body).groups).toEqual([expect.objectContaining({ name: "team", role: "member" })]);
      const snooping = await api("eve").get("/api/groups/team");
      expect(snooping.status).toBe(403);
      expect(codeOf(snooping)).toBe("not_member");
      expect(codeOf(await api("eve").get("/api/groups/nosuchgroup"))).toBe("not_member");
      expect(codeOf(await api("eve").post("/api/groups", { name: "team" }))).toBe("name_taken");
    });

    test("only admins add, remove, promote and rename; anyone can leave", async () => {
      const { api } = await setup(["alice", "bob", "carol", "dave"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob"] });
      expect(codeOf(await api("bob").post("/api/groups/team/members", { user: "carol" }))).toBe("forbidden");
      expect((await api("alice").post("/api/groups/team/members", { user: "carol" })).status).toBe(200);
      expect(codeOf(await api("alice").post("/api/groups/team/members", { user: "nobody" }))).toBe("unknown_user");
      expect(codeOf(await api("bob").delete("/api/groups/team/members/carol"))).toBe("forbidden");
      expect((await api("alice").post("/api/groups/team/admins", { user: "bob" })).status).toBe(200);
      expect((await api("bob").post("/api/groups/team/members", { user: "dave" })).status).toBe(200);
      expect((await api("bob").delete("/api/groups/team/members/dave")).status).toBe(204);
      expect((await api("carol").delete("/api/groups/team/members/carol")).status).toBe(204);
      expect(codeOf(await api("carol").patch("/api/groups/team", { name: "crew" }))).toBe("not_member");
      const renamed = await api("bob").patch("/api/groups/team", { name: "crew" });
      expect(GroupInfo.parse(renamed.body).name).toBe("crew");
      expect(GroupInfo.parse((await api("alice").get("/api/groups/crew")).body).members.map((m) => m.name)).toEqual(["alice", "bob"]);
    });

    test("when the last admin leaves, the longest-standing member becomes admin", async () => {
      const { api } = await setup(["alice", "bob", "carol"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      await api("alice").delete("/api/groups/team/members/alice");
      // bob joined before carol: he is the heir, and carol stays a plain member.
      expect(codeOf(await api("carol").post("/api/groups/team/members", { user: "alice" }))).toBe("forbidden");
      expect((await api("bob").post("/api/groups/team/members", { user: "alice" })).status).toBe(200);
      expect(GroupInfo.parse((await api("bob").get("/api/groups/team")).body).members).toEqual([
        { name: "bob", role: "admin" },
        { name: "alice", role: "member" },
        { name: "carol", role: "member" },
      ]);
    });

    test("the member cap is enforced on the server, and the refusal names it", async () => {
      const { api } = await setup(["alice", "bob", "carol", "dave"], { maxGroupMembers: 3 });
      const tooMany = await api("alice").post("/api/groups", { name: "big", members: ["bob", "carol", "dave"] });
      expect(codeOf(tooMany)).toBe("limit_reached");
      expect(tooMany.body.error.message).toContain("3 members");
      await api("alice").post("/api/groups", { name: "big", members: ["bob", "carol"] });
      expect(codeOf(await api("alice").post("/api/groups/big/members", { user: "dave" }))).toBe("limit_reached");
    });
    test("the groups-per-user cap is enforced on the server, and the refusal names who and the cap", async () => {
      const { api } = await setup(["alice", "bob", "carol"], { maxGroupsPerUser: 2 });
      expect((await api("alice").post("/api/groups", { name: "one", members: ["bob"] })).status).toBe(201);
      expect((await api("alice").post("/api/groups", { name: "two" })).status).toBe(201);
      const third = await api("carol").post("/api/groups", { name: "three", members: ["alice"] });
      expect(codeOf(third)).toBe("limit_reached");
      expect(third.body.error.message).toContain("alice is already in 2 groups");
      expect(codeOf(await api("bob").post("/api/groups/one/members", { user: "carol" }))).toBe("forbidden");
      await api("carol").post("/api/groups", { name: "four", members: ["bob"] });
      expect(codeOf(await api("alice").post("/api/groups/two/members", { user: "bob" }))).toBe("limit_reached");
    });
  });

  describe("group messages", () => {
    test("reach every member's devices as [#group][sender], not the sending device, and not outsiders", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol", "eve"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      const [alice, bob, carol, eve] = await Promise.all(["alice", "bob", "carol", "eve"].map(connect));
      const sent = await alice!.sendMessage("#team", "Hello all");
      for (const member of [bob!, carol!]) {
        expect(await member.nextMessage()).toMatchObject({ conv: sent.conv, seq: sent.seq, from: "alice", to: "#team", text: "Hello all" });
      }
      await eve!.sendMessage("alice", "marker for alice");
      expect(await alice!.nextMessage()).toMatchObject({ text: "marker for alice" });
      await alice!.sendMessage("eve", "marker for eve");
      expect(await eve!.nextMessage()).toMatchObject({ text: "marker for eve" });
    });

    test("non-members cannot send to or read a group", async () => {
      const { api, connect, server, users } = await setup(["alice", "bob", "eve"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob"] });
      const eve = await connect("eve");
      eve.send({ type: "send", id: "sneak", to: "#team", text: "let me in" });
      expect(await eve.next((f) => f.type === "error")).toMatchObject({ id: "sneak", code: "not_member" });
      const history = await fetch(`${server.url}/api/history?with=%23team`, { headers: { authorization: `Bearer ${users.eve!.token}` } });
      expect(history.status).toBe(403);
    });

    test("a removed member receives nothing more; a member added later sees only what came after joining", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob"] });
      const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
      await alice.sendMessage("#team", "before carol");
      await bob.nextMessage();
      await api("alice").post("/api/groups/team/members", { user: "carol" });
      await api("alice").delete("/api/groups/team/members/bob");
      expect(await bob.next((f) => f.type === "notice" && f.change === "removed")).toMatchObject({ user: "bob", from: "alice" });
      await alice.sendMessage("#team", "after carol joined");

      const carol = await connect("carol");
      expect(carol.pending().filter((f) => f.type === "message").map((f) => f.type === "message" && f.text)).toEqual(["after carol joined"]);
      const history = await api("carol").get("/api/history?with=%23team");
      const entries: Array<{ type: string; text?: string; change?: string }> = history.body.messages;
      expect(entries.map((entry) => entry.text ?? entry.change)).toEqual(["after carol joined", "removed", "added"]);
      // bob's socket got no group message after his removal: the next thing he sees is a direct marker.
      await alice.sendMessage("bob", "marker");
      expect(await bob.nextMessage()).toMatchObject({ text: "marker" });
    });

    test("a member added while connected receives the group's messages at once", async () => {
      const { api, connect } = await setup(["alice", "bob"]);
      await api("alice").post("/api/groups", { name: "team" });
      const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
      await api("alice").post("/api/groups/team/members", { user: "bob" });
      expect(await bob.next((f) => f.type === "notice")).toMatchObject({ change: "added", user: "bob" });
      await alice.sendMessage("#team", "welcome");
      expect(await bob.nextMessage()).toMatchObject({ to: "#team", text: "welcome" });
    });

    test("receipts: the group's ✓✓ and read marks move when every member has it, and who is listed per message", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      const [alice, bob, carol] = await Promise.all([connect("alice"), connect("bob"), connect("carol")]);
      const sent = await alice.sendMessage("#team", "count the ticks");
      await Promise.all([bob.nextMessage(), carol.nextMessage()]);
      bob.send({ type: "received", conv: sent.conv, seq: sent.seq });
      bob.send({ type: "read", conv: sent.conv, seq: sent.seq });
      // No frame tells when bob's marks are saved (the snapshot on connect already brought a #team receipt): ask until they are.
      const receiptsOf = async () => MessageReceipts.parse((await api("alice").get(`/api/groups/team/receipts?seq=${sent.seq}`)).body);
      const partly = await eventually("bob's marks to be saved", receiptsOf, (receipts) => receipts.readBy.length > 0);
      expect(partly).toEqual({ seq: sent.seq, members: 2, deliveredTo: ["bob"], readBy: ["bob"] });

      carol.send({ type: "received", conv: sent.conv, seq: sent.seq });
      expect(await alice.next((f) => f.type === "receipt" && f.by === "#team" && f.delivered === sent.seq)).toMatchObject({ conv: sent.conv });
      carol.send({ type: "read", conv: sent.conv, seq: sent.seq });
      expect(await alice.next((f) => f.type === "receipt" && f.by === "#team" && f.read === sent.seq)).toBeTruthy();
      const all = MessageReceipts.parse((await api("alice").get(`/api/groups/team/receipts?seq=${sent.seq}`)).body);
      expect(all.readBy).toEqual(["bob", "carol"]);
    });
  });
});
}
