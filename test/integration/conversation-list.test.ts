/**
 * GET /api/conversations, the chat list of the web client: every conversation, newest activity
 * first, with its last message or notice (and its tick) and an unread count that only others'
 * messages make, on one server with SQLite and on two servers with PostgreSQL and Redis.
 */
import { describe, expect, test } from "bun:test";
import { ConversationList, type ServerFrame } from "../../src/protocol/index.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";
import type { TestSocket } from "../helpers/socket.ts";

async function request(socket: TestSocket, frame: Record<string, unknown>): Promise<Extract<ServerFrame, { type: "sent" }>> {
  const id = socket.nextId(String(frame.type));
  socket.send({ ...frame, id });
  const reply = await socket.next((f) => (f.type === "sent" || f.type === "error") && f.id === id);
  if (reply.type === "error") throw new Error(reply.code);
  return reply as Extract<ServerFrame, { type: "sent" }>;
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    test("the chat list: newest activity first, last entry with its tick, unread counts of others' messages only", async () => {
      const { api, connect } = await deploymentWithUsers(kind, ["alice", "bob", "carol"], defer);
      const list = async (name: string) => ConversationList.parse((await api(name).get("/api/conversations")).body).conversations;
      expect(await list("alice")).toEqual([]);

      const alice = await connect("alice");
      const bob = await connect("bob");
      const first = await request(alice, { type: "send", to: "bob", text: "one" });
      await request(alice, { type: "send", to: "bob", text: "two" });
      const three = await request(alice, { type: "send", to: "bob", text: "three" });
      await request(bob, { type: "send", to: "alice", text: "answer" });
      expect((await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] })).status).toBe(201);

      // Bob: the group (newest, its notice last) above alice; three unread from alice, his own answer not counted.
      let bobs = await list("bob");
      expect(bobs.map((chat) => [chat.with, chat.kind, chat.unread])).toEqual([
        ["#team", "group", 0],
        ["alice", "direct", 3],
      ]);
      expect(bobs[0]!.last).toMatchObject({ type: "notice", change: "created" });
      expect(bobs[1]!.last).toMatchObject({ type: "message", from: "bob", text: "answer" });

      // Reactions, edits and deletes do not count; a deleted message leaves the count; reading clears it.
      await request(alice, { type: "react", target: first.id, emoji: "👍", to: "bob" });
      await request(alice, { type: "edit", target: first.id, text: "one, edited", to: "bob" });
      await request(alice, { type: "delete", target: three.id, to: "bob" });
      bobs = await list("bob");
      expect(bobs.find((chat) => chat.with === "alice")!.unread).toBe(2);
      bob.send({ type: "read", conv: first.conv, seq: three.seq });
      await alice.next((f) => f.type === "receipt" && f.by === "bob" && f.read === three.seq);
      expect((await list("bob")).find((chat) => chat.with === "alice")!.unread).toBe(0);

      // Alice's view: her last message to bob, read; carol sees the group only.
      const alices = await list("alice");
      expect(alices.find((chat) => chat.with === "bob")!.last).toMatchObject({ from: "bob", text: "answer" });
      await request(alice, { type: "send", to: "bob", text: "and now?" });
      const mine = (await list("alice")).find((chat) => chat.with === "bob")!;
      expect(mine.last).toMatchObject({ from: "alice", text: "and now?", status: expect.stringMatching(/^(sent|delivered)$/) });
      expect(mine.unread).toBe(1); // bob's answer, which alice has not read
      expect((await list("carol")).map((chat) => chat.with)).toEqual(["#team"]);
      // Alice's newest activity is with bob again: first in her list.
      expect((await list("alice")).map((chat) => chat.with)).toEqual(["bob", "#team"]);
    });
  });
}
