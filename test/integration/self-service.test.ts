/**
 * What users do to their own account (change the password, delete the account, export their data), tried as
 * an attacker would: the old token after a password change, the deleted user's open socket, taking over a
 * deleted name, reading someone else's export. On every deployment.
 */
import { describe, expect, test } from "bun:test";
import { DataExport, DELETED_ACCOUNT, type ConversationList, type HistoryPage } from "../../src/protocol/index.ts";
import { codeOf, messagesIn } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";
import { loginUser, registerUser, TEST_PASSWORD } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const NEW_PASSWORD = "a brand new password";

function post(url: string, path: string, body: unknown) {
  return fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    test("a password change needs the current password, logs the other devices out when asked, and the old password stops working", async () => {
      const { server, api, users } = await deploymentWithUsers(kind, ["alice"], defer);
      const phone = await loginUser(server, "alice", TEST_PASSWORD, "phone");
      const phoneSocket = await TestSocket.connect(server.wsUrl, phone.token);
      defer(() => phoneSocket.close());

      // A stolen token alone does not change the password.
      const guess = await api("alice").post("/api/password", { currentPassword: "not the password", newPassword: NEW_PASSWORD, logOutOtherDevices: true });
      expect([guess.status, codeOf(guess)]).toEqual([401, "wrong_password"]);

      const changed = await api("alice").post("/api/password", { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, logOutOtherDevices: true });
      expect(changed).toEqual({ status: 200, body: { loggedOut: 1 } });
      expect((await phoneSocket.closed()).code).toBe(4001);
      const oldToken = await fetch(`${server.url}/api/devices`, { headers: { authorization: `Bearer ${phone.token}` } });
      expect(oldToken.status).toBe(401);
      expect((await fetch(`${server.url}/ws`, { headers: { authorization: `Bearer ${phone.token}` } })).status).toBe(401);
      // The device that made the change stays in.
      expect((await api("alice").get("/api/devices")).body.devices).toHaveLength(1);
      expect((await post(server.url, "/api/login", { name: "alice", password: TEST_PASSWORD })).status).toBe(401);
      const tablet = await loginUser(server, "alice", NEW_PASSWORD, "tablet");

      // Kept: the other devices go on with their tokens.
      const kept = await api("alice").post("/api/password", { currentPassword: NEW_PASSWORD, newPassword: TEST_PASSWORD, logOutOtherDevices: false });
      expect(kept).toEqual({ status: 200, body: { loggedOut: 0 } });
      expect((await fetch(`${server.url}/api/devices`, { headers: { authorization: `Bearer ${tablet.token}` } })).status).toBe(200);
      expect(users.alice!.token).not.toBe(tablet.token);
    });

    test("a deleted account is logged out at once, leaves its groups, stays as 'deleted account' in others' chats, and its name is kept from others", async () => {
      const { server, api, connect, users } = await deploymentWithUsers(kind, ["bob", "alice", "carol"], defer);
      expect((await api("bob").post("/api/groups", { name: "team", members: ["alice", "carol"] })).status).toBe(201);
      const bob = await connect("bob");
      await bob.sendMessage("alice", "hello alice");
      await bob.sendMessage("#team", "hello team");

      const wrong = await api("bob").post("/api/account/delete", { password: "not the password" });
      expect([wrong.status, codeOf(wrong)]).toEqual([401, "wrong_password"]);
      expect((await api("bob").get("/api/devices")).status).toBe(200);

      expect((await api("bob").post("/api/account/delete", { password: TEST_PASSWORD })).status).toBe(204);
      expect((await bob.closed()).code).toBe(4001);
      expect((await fetch(`${server.url}/api/devices`, { headers: { authorization: `Bearer ${users.bob!.token}` } })).status).toBe(401);
      expect((await fetch(`${server.url}/ws`, { headers: { authorization: `Bearer ${users.bob!.token}` } })).status).toBe(401);
      expect((await post(server.url, "/api/login", { name: "bob", password: TEST_PASSWORD })).status).toBe(404);

      // alice keeps what bob sent, from "deleted account"; the group goes on without bob, with an admin.
      const list = (await api("alice").get("/api/conversations")).body as ConversationList;
      expect(list.conversations.map((conversation) => conversation.with).sort()).toEqual(["#team", DELETED_ACCOUNT]);
      const direct = (await api("alice").get(`/api/history?with=${encodeURIComponent(DELETED_ACCOUNT)}`)).body as HistoryPage;
      expect(messagesIn(direct).map((message) => [message.from, message.text])).toEqual([[DELETED_ACCOUNT, "hello alice"]]);
      const team = (await api("alice").get("/api/history?with=%23team")).body as HistoryPage;
      expect(messagesIn(team).map((message) => [message.from, message.text])).toEqual([[DELETED_ACCOUNT, "hello team"]]);
      const members = (await api("alice").get("/api/groups/team")).body as { members: Array<{ name: string; role: string }> };
      expect(members.members).toEqual([{ name: "alice", role: "admin" }, { name: "carol", role: "member" }]);

      // Nobody writes to it, by its old name or as "deleted account", and nobody takes the name.
      const alice = await connect("alice");
      for (const to of ["bob", DELETED_ACCOUNT]) {
        const id = alice.nextId("m");
        alice.send({ type: "send", id, to, text: "are you there?" });
        expect(await alice.next((frame) => frame.type === "error" && frame.id === id)).toMatchObject({ code: "account_deleted" });
      }
      const taken = await post(server.url, "/api/register", { name: "bob", password: TEST_PASSWORD });
      expect(taken.status).toBe(409);
    });

    test("after --name-reuse-days the name makes a brand-new account that sees nothing of the old one", async () => {
      const { server, api, connect } = await deploymentWithUsers(kind, ["bob", "alice"], defer, { nameReuseDays: 0 });
      expect((await api("bob").post("/api/groups", { name: "team", members: ["alice"] })).status).toBe(201);
      const alice = await connect("alice");
      await alice.sendMessage("bob", "a secret for the old bob");
      expect((await api("bob").post("/api/account/delete", { password: TEST_PASSWORD })).status).toBe(204);

      const newBob = await registerUser(server, "bob");
      const asNewBob = { get: (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${newBob.token}` } }).then((r) => r.json()) };
      expect(((await asNewBob.get("/api/conversations")) as ConversationList).conversations).toEqual([]);
      expect((await asNewBob.get("/api/groups")) as unknown).toEqual({ groups: [] });
      const newSocket = await TestSocket.connect(server.wsUrl, newBob.token);
      defer(() => newSocket.close());
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the servers' memory of the old account's state expires
      await alice.sendMessage("bob", "hello new bob");
      const received = await newSocket.nextMessage();
      expect([received.from, received.text]).toEqual(["alice", "hello new bob"]);
      expect(newSocket.pending().filter((frame) => frame.type === "message")).toEqual([]);
      const list = (await api("alice").get("/api/conversations")).body as ConversationList;
      expect(list.conversations.map((conversation) => conversation.with).sort()).toEqual(["#team", "bob", DELETED_ACCOUNT]);
    });

    test("an export holds the user's own data only, a page at a time, and nobody else's", async () => {
      const { server, api, connect } = await deploymentWithUsers(kind, ["alice", "bob", "mallory"], defer, { userMessageRate: 0, connectionFrameRate: 0 });
      const alice = await connect("alice");
      const count = 1_100; // more than two pages of the export
      for (let i = 0; i < count - 1; i++) alice.send({ type: "send", id: alice.nextId("m"), to: "bob", text: `message ${i}` });
      await alice.sendMessage("bob", "the last one");
      expect((await api("alice").post("/api/groups", { name: "team", members: ["bob"] })).status).toBe(201);

      const response = await fetch(`${server.url}/api/export`, { headers: { authorization: `Bearer ${(await loginUser(server, "alice")).token}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-disposition")).toBe('attachment; filename="chat-export-alice.json"');
      const exported = DataExport.parse(await response.json());
      expect(exported.user).toBe("alice");
      expect(exported.settings).toEqual({ hideLastSeen: false, readReceipts: true, groupAdds: "everyone" });
      expect(exported.devices).toHaveLength(2);
      expect(exported.groups).toEqual([{ name: "team", role: "admin", members: ["alice", "bob"] }]);
      const withBob = exported.conversations.find((conversation) => conversation.with === "bob")!;
      const texts = withBob.messages.flatMap((message) => (message.type === "message" ? [message.text] : []));
      expect(texts).toHaveLength(count);
      expect(texts[0]).toBe("message 0");
      expect(texts.at(-1)).toBe("the last one");

      // mallory's token gives mallory's data, whatever the request names.
      const mallorys = DataExport.parse((await api("mallory").get("/api/export?user=alice")).body);
      expect(mallorys.user).toBe("mallory");
      expect(mallorys.conversations).toEqual([]);
      expect(mallorys.groups).toEqual([]);
      expect((await fetch(`${server.url}/api/export`)).status).toBe(401);
    });
  });
}
