/**
 * Conversations as event streams, as people meet them: replies, edits, deletes, reactions,
 * stored group notices, disappearing messages and search, live and after time offline,
 * on one server with SQLite and on two servers with PostgreSQL and Redis.
 */
import { describe, expect, test } from "bun:test";
import { HistoryPage, SearchPage, type ServerFrame, type StreamEvent } from "../../src/protocol/index.ts";
import { codeOf } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";
import { TestSocket } from "../helpers/socket.ts";

/** Sends an event request and waits for its `sent` (or throws with the error frame's code). */
async function request(socket: TestSocket, frame: Record<string, unknown>): Promise<Extract<ServerFrame, { type: "sent" }>> {
  const id = (frame.id as string | undefined) ?? socket.nextId(String(frame.type));
  socket.send({ ...frame, id });
  const reply = await socket.next((f) => (f.type === "sent" || f.type === "error") && f.id === id);
  if (reply.type === "error") throw new Error(reply.code);
  return reply as Extract<ServerFrame, { type: "sent" }>;
}

/** The code a request is refused with. */
async function refusal(socket: TestSocket, frame: Record<string, unknown>): Promise<string> {
  return request(socket, frame).then(
    () => "stored",
    (error: Error) => error.message,
  );
}

/** The stream events of `conv` a socket has received, up to and including `lastSeq`, in arrival order. */
async function eventsUpTo(socket: TestSocket, conv: number, lastSeq: number): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  while (events.at(-1)?.seq !== lastSeq) {
    events.push(await socket.next<StreamEvent>((f) => "seq" in f && "conv" in f && f.type !== "sent" && f.conv === conv));
  }
  return events;
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();
    const setup = (names: string[], config = {}) => deploymentWithUsers(kind, names, defer, config);

    test("a device offline for the whole exchange gets every reply, edit, reaction and delete in order, once", async () => {
      const { connect, server, users } = await setup(["alice", "bob"]);
      const alice = await connect("alice");
      const hello = await request(alice, { type: "send", id: "a1", to: "bob", text: "Hello Bob" });
      await request(alice, { type: "send", id: "a2", to: "bob", text: "Are you there?", replyTo: "a1" });
      await request(alice, { type: "edit", id: "a1-edit", target: "a1", text: "Hello Bob!", to: "bob" });
      await request(alice, { type: "react", id: "a1-like", target: "a1", emoji: "👍" });
      const last = await request(alice, { type: "delete", id: "a2-delete", target: "a2", to: "bob" });

      const bob = await connect("bob");
      const conv = hello.conv;
      const common = { conv, from: "alice", to: "bob" };
      expect(await eventsUpTo(bob, conv, last.seq)).toEqual([
        { type: "message", ...common, seq: 1, id: "a1", text: "Hello Bob!", edited: true, ts: expect.any(Number) },
        { type: "message", ...common, seq: 2, id: "a2", text: "", deleted: true, replyTo: { id: "a1", from: "alice", text: "Hello Bob!" }, ts: expect.any(Number) },
        { type: "edit", ...common, seq: 3, id: "a1-edit", target: "a1", text: "Hello Bob!", ts: expect.any(Number) },
        { type: "reaction", ...common, seq: 4, id: "a1-like", target: "a1", emoji: "👍", ts: expect.any(Number) },
        { type: "delete", ...common, seq: 5, id: "a2-delete", target: "a2", ts: expect.any(Number) },
      ]);
      // Resuming from the last one processed replays nothing again.
      await bob.close();
      const again = await TestSocket.connect(server.wsUrl, users.bob!.token, { [conv]: last.seq });
      defer(() => again.close());
      expect(again.pending().filter((frame) => frame.type !== "receipt" && frame.type !== "ready" && frame.type !== "presence")).toEqual([]);
    });

    test("live: a reply carries its quote, and edits, reactions and deletes reach the other side at once", async () => {
      const { connect } = await setup(["alice", "bob"]);
      const alice = await connect("alice");
      const bob = await connect("bob");
      await request(alice, { type: "send", id: "q1", to: "bob", text: "Lunch on friday?" });
      await bob.nextMessage();
      await request(bob, { type: "send", id: "r1", to: "alice", text: "Yes!", replyTo: "q1" });
      expect(await alice.nextMessage()).toMatchObject({ id: "r1", replyTo: { id: "q1", from: "alice", text: "Lunch on friday?" } });
      await request(bob, { type: "react", id: "r1-heart", target: "q1", emoji: "❤️" });
      expect(await alice.next((f) => f.type === "reaction")).toMatchObject({ from: "bob", target: "q1", emoji: "❤️" });
      await request(bob, { type: "react", id: "r1-none", target: "q1", emoji: null });
      expect(await alice.next((f) => f.type === "reaction")).toMatchObject({ from: "bob", target: "q1", emoji: null });
      await request(alice, { type: "edit", id: "q1-e", target: "q1", text: "Lunch on Saturday?" });
      expect(await bob.next((f) => f.type === "edit")).toMatchObject({ target: "q1", text: "Lunch on Saturday?" });
      await request(alice, { type: "delete", id: "q1-d", target: "q1" });
      expect(await bob.next((f) => f.type === "delete")).toMatchObject({ target: "q1", from: "alice" });
    });

    test("history shows each message as it stands now, with its reactions, and leaves out what you hid", async () => {
      const { connect, api } = await setup(["alice", "bob", "carol"]);
      const alice = await connect("alice");
      await request(alice, { type: "send", id: "h1", to: "bob", text: "first draft" });
      await request(alice, { type: "send", id: "h2", to: "bob", text: "second" });
      await request(alice, { type: "send", id: "h3", to: "bob", text: "third" });
      await request(alice, { type: "edit", id: "h1-e", target: "h1", text: "first, fixed" });
      const bob = await connect("bob");
      await request(bob, { type: "react", id: "h1-r", target: "h1", emoji: "😂" });
      await request(alice, { type: "react", id: "h1-r2", target: "h1", emoji: "😂" });
      await request(alice, { type: "delete", id: "h2-d", target: "h2" });
      expect((await api("bob").post("/api/hide", { id: "h3" })).status).toBe(204);
      expect(await bob.next((f) => f.type === "hidden")).toEqual({ type: "hidden", conv: expect.any(Number), target: "h3" });

      const bobsView = HistoryPage.parse((await api("bob").get("/api/history?with=alice")).body).messages;
      expect(bobsView.map((entry) => [entry.id, entry.type === "message" && entry.text])).toEqual([
        ["h2", ""],
        ["h1", "first, fixed"],
      ]);
      expect(bobsView[0]).toMatchObject({ deleted: true });
      expect(bobsView[1]).toMatchObject({ edited: true, reactions: [{ emoji: "😂", by: ["alice", "bob"] }] });
      // Hiding is for one person only: alice still has the third message.
      const alicesView = HistoryPage.parse((await api("alice").get("/api/history?with=bob")).body).messages;
      expect(alicesView.map((entry) => entry.id)).toEqual(["h3", "h2", "h1"]);
      expect(codeOf(await api("carol").post("/api/hide", { id: "h1", to: "alice" }))).toBe("unknown_message");
    });

    test("only the author edits, within the window; deleted messages stay deleted; replies need a message of the same chat", async () => {
      const { connect } = await setup(["alice", "bob", "carol"], { editWindowMinutes: 0 });
      const alice = await connect("alice");
      const bob = await connect("bob");
      await request(alice, { type: "send", id: "p1", to: "bob", text: "mine" });
      await request(alice, { type: "send", id: "elsewhere", to: "carol", text: "for carol" });
      expect(await refusal(bob, { type: "edit", target: "p1", text: "not yours", to: "alice" })).toBe("forbidden");
      expect(await refusal(alice, { type: "edit", target: "p1", text: "too late", to: "bob" })).toBe("forbidden");
      expect(await refusal(bob, { type: "delete", target: "p1", to: "alice" })).toBe("forbidden");
      expect(await refusal(bob, { type: "send", to: "alice", text: "re", replyTo: "nosuch" })).toBe("unknown_message");
      expect(await refusal(alice, { type: "send", to: "bob", text: "re", replyTo: "elsewhere" })).toBe("unknown_message");
      expect(await refusal(bob, { type: "react", target: "p1", emoji: "abc", to: "alice" })).toBe("bad_request");
      await request(alice, { type: "delete", id: "p1-d", target: "p1" });
      expect(await refusal(alice, { type: "react", target: "p1", emoji: "👍" })).toBe("forbidden");
      // A retried action is stored once: the same id answers the same place in the stream.
      const first = await request(bob, { type: "send", id: "b-retry", to: "alice", text: "once" });
      expect(await request(bob, { type: "send", id: "b-retry", to: "alice", text: "once" })).toEqual(first);
    });

    test("a group admin deletes anyone's message; a member only their own", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      const alice = await connect("alice");
      const bob = await connect("bob");
      const carol = await connect("carol");
      await request(bob, { type: "send", id: "g1", to: "#team", text: "spam" });
      expect(await refusal(carol, { type: "delete", target: "g1" })).toBe("forbidden");
      await request(alice, { type: "delete", id: "g1-d", target: "g1" });
      expect(await carol.next((f) => f.type === "delete")).toMatchObject({ from: "alice", target: "g1", to: "#team" });
    });

    test("group changes are stored notices: a member who was offline learns them in order, and history shows them", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol", "dave"]);
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      await api("alice").post("/api/groups/team/members", { user: "dave" });
      const dave = await connect("dave");
      await api("alice").post("/api/groups/team/admins", { user: "carol" });
      await api("alice").delete("/api/groups/team/members/dave");
      await api("alice").patch("/api/groups/team", { name: "crew" });
      const bob = await connect("bob");
      const notices = [];
      for (let i = 0; i < 5; i++) notices.push(await bob.next((f) => f.type === "notice"));
      expect(notices.map((n) => n.type === "notice" && [n.seq, n.from, n.change, n.user ?? null, n.to])).toEqual([
        [1, "alice", "created", null, "#crew"],
        [2, "alice", "added", "dave", "#crew"],
        [3, "alice", "promoted", "carol", "#crew"],
        [4, "alice", "removed", "dave", "#crew"],
        [5, "alice", "renamed", null, "#crew"],
      ]);
      expect(notices[4]).toMatchObject({ group: "crew", previousName: "team" });
      const history = HistoryPage.parse((await api("carol").get("/api/history?with=%23crew")).body).messages;
      expect(history.map((entry) => entry.type === "notice" && entry.change)).toEqual(["renamed", "removed", "promoted", "added", "created"]);
      // The removed member, connected, got the notice of their removal, and nothing of the group after it.
      expect(await dave.next((f) => f.type === "notice" && f.change === "removed")).toMatchObject({ user: "dave" });
      expect(dave.pending().some((f) => f.type === "notice" && f.change === "renamed")).toBe(false);
    });

    test("disappearing messages: the timer is a notice, and messages sent under it lose their text when their time is up", async () => {
      const { server, connect, api } = await setup(["alice", "bob"]);
      const alice = await connect("alice");
      const timer = await request(alice, { type: "timer", to: "bob", seconds: 86_400 });
      const sent = await request(alice, { type: "send", id: "fleeting", to: "bob", text: "gone tomorrow" });
      expect(sent.expiresAt).toBe(sent.ts + 86_400_000);
      const store = await server.openStore();
      try {
        expect(await store.expireEvents(sent.ts + 86_400_000 - 1)).toBe(0);
        expect(await store.expireEvents(sent.ts + 86_400_000)).toBe(1);
      } finally {
        await store.close();
      }
      const bob = await connect("bob");
      expect(await bob.next((f) => f.type === "notice")).toMatchObject({ seq: timer.seq, change: "timer", seconds: 86_400, from: "alice" });
      expect(await bob.nextMessage()).toMatchObject({ id: "fleeting", text: "", deleted: true, expiresAt: sent.expiresAt });
      expect(SearchPage.parse((await api("alice").get("/api/search?q=tomorrow")).body).hits).toEqual([]);
    });

    test("search finds words in one's own conversations only, newest first, and never what was deleted or hidden", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol"]);
      const alice = await connect("alice");
      await request(alice, { type: "send", id: "s1", to: "bob", text: "The Zebra crossing on Main street" });
      await request(alice, { type: "send", id: "s2", to: "bob", text: "another zebra, further down" });
      await request(alice, { type: "send", id: "s3", to: "carol", text: "zebra for carol only" });
      await request(alice, { type: "send", id: "s4", to: "bob", text: "zebra that was deleted" });
      await request(alice, { type: "delete", id: "s4-d", target: "s4" });
      const search = async (who: string, q: string) => SearchPage.parse((await api(who).get(`/api/search?q=${encodeURIComponent(q)}`)).body);
      expect((await search("bob", "ZEBRA")).hits.map((hit) => [hit.id, hit.from, hit.with])).toEqual([
        ["s2", "alice", "alice"],
        ["s1", "alice", "alice"],
      ]);
      expect((await search("bob", "zebra crossing")).hits.map((hit) => hit.snippet)).toEqual(["The Zebra crossing on Main street"]);
      expect((await search("carol", "zebra")).hits.map((hit) => hit.id)).toEqual(["s3"]);
      const firstPage = await api("bob").get("/api/search?q=zebra&limit=1");
      const next = SearchPage.parse(firstPage.body).next!;
      expect(SearchPage.parse((await api("bob").get(`/api/search?q=zebra&limit=1&before=${next}`)).body).hits.map((hit) => hit.id)).toEqual(["s1"]);
      // Where a message is, for a reply or a jump to it: only in one's own conversations.
      expect((await api("bob").get("/api/messages/s1")).body).toEqual({ id: "s1", conv: expect.any(Number), with: "alice" });
      expect(codeOf(await api("carol").get("/api/messages/s1"))).toBe("unknown_message");
      await api("bob").post("/api/hide", { id: "s1" });
      expect((await search("bob", "zebra")).hits.map((hit) => hit.id)).toEqual(["s2"]);
      expect(codeOf(await api("bob").get("/api/search?q=%20%21"))).toBe("bad_request");

      // A group: members find its messages; one who left finds nothing of it any more.
      await api("alice").post("/api/groups", { name: "team", members: ["bob", "carol"] });
      await request(alice, { type: "send", id: "s5", to: "#team", text: "okapi sighting" });
      expect((await search("carol", "okapi")).hits.map((hit) => [hit.id, hit.with])).toEqual([["s5", "#team"]]);
      await api("carol").delete("/api/groups/team/members/carol");
      expect((await search("carol", "okapi")).hits).toEqual([]);
    });

    test("ids are per conversation, lengths count characters, and outsiders cannot tell whether a group exists", async () => {
      const { api, connect } = await setup(["alice", "bob", "carol", "eve"], { maxMessageLength: 10 });
      const alice = await connect("alice");
      const toBob = await request(alice, { type: "send", id: "same-id", to: "bob", text: "for bob" });
      const toCarol = await request(alice, { type: "send", id: "same-id", to: "carol", text: "for carol" });
      expect(toCarol.conv).not.toBe(toBob.conv);
      const carol = await connect("carol");
      expect(await carol.nextMessage()).toMatchObject({ id: "same-id", text: "for carol" });
      const bob = await connect("bob");
      expect(await refusal(bob, { type: "send", id: "same-id", to: "alice", text: "mine?" })).toBe("id_taken");
      // Ten emoji are ten characters (twenty UTF-16 units); eleven are one too many.
      await request(alice, { type: "send", to: "bob", text: "😀".repeat(10) });
      expect(await refusal(alice, { type: "send", to: "bob", text: "😀".repeat(11) })).toBe("text_too_long");

      await api("alice").post("/api/groups", { name: "secret", members: ["bob"] });
      const eve = await connect("eve");
      const errorFor = async (to: string) => {
        const id = eve.nextId("m");
        eve.send({ type: "send", id, to, text: "hi" });
        return eve.next((f) => f.type === "error" && f.id === id);
      };
      const existing = await errorFor("#secret");
      const missing = await errorFor("#nosuch");
      expect(existing.type === "error" && [existing.code, existing.message.replace("secret", "X")]).toEqual(
        missing.type === "error" && [missing.code, missing.message.replace("nosuch", "X")],
      );
    });
  });
}
