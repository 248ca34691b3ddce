import { expect, test } from "bun:test";
import { type LineCollector, runClient, scriptSuite } from "./support.ts";

const { dir, client, server } = scriptSuite();

/** Waits for the `--json` line that has all these fields and parses it. */
async function record(lines: LineCollector, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const has = Object.entries(fields).map(([key, value]) => `(?=.*${escape(JSON.stringify({ [key]: value }).slice(1, -1))})`);
  return JSON.parse(await lines.line(new RegExp(`^${has.join("")}`)));
}

/** The parsed `--json` lines of stream events, in the order they were printed. */
function events(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line)).filter((each) => ["message", "edit", "delete", "reaction", "notice"].includes(each.type));
}

test("--json in script mode: a message, its reply, edit, reaction and delete reach bob by id, and /search follows", async () => {
  const chat = await server();
  const homes = { alice: dir("chat-e2e-alice-"), bob: dir("chat-e2e-bob-"), phone: dir("chat-e2e-bob-phone-") };
  const bob = client("bob", { server: chat, configHome: homes.bob }, ["--json"]);
  await bob.stderr.line("connected");
  expect((await runClient("bob", { server: chat, configHome: homes.phone }, [])).code).toBe(0); // bob's second device, offline meanwhile

  // alice's first run: the message, and a reply to it in the same run (the run knows its conversation).
  const alice = client("alice", { server: chat, configHome: homes.alice }, ["--json"]);
  alice.type("bob Shall we have lunch on friday?");
  const sent = await record(alice.stdout, { type: "sent", kind: "message" });
  expect(sent).toMatchObject({ to: "bob", text: "Shall we have lunch on friday?", conv: expect.any(Number), seq: expect.any(Number) });
  const id = String(sent.id);
  alice.type(`/reply ${id} Or saturday?`);
  const replySent = await record(alice.stdout, { type: "sent", replyTo: id });
  expect(replySent).toMatchObject({ kind: "message", to: "bob", text: "Or saturday?" });
  expect(await alice.finish()).toBe(0);

  const message = await record(bob.stdout, { type: "message", id });
  expect(message).toEqual({ type: "message", id, conv: sent.conv, seq: sent.seq, from: "alice", to: "bob", ts: sent.ts, text: "Shall we have lunch on friday?" });
  const answer = await record(bob.stdout, { type: "message", id: replySent.id });
  expect(answer).toMatchObject({ from: "alice", text: "Or saturday?", replyTo: id, quote: { from: "alice", text: "Shall we have lunch on friday?" } });

  bob.type("/search lunch friday");
  expect(await record(bob.stdout, { type: "hit" })).toMatchObject({ id, from: "alice", with: "alice", snippet: expect.stringContaining("lunch") });

  // alice's second run acts on the message by id alone: it has not seen it this run, the server finds its conversation.
  const second = await runClient(
    "alice",
    { server: chat, configHome: homes.alice },
    [`/edit ${id} Shall we have lunch on friday at noon?`, `/react ${id} 👍`, `/reply ${id} Noon it is`],
    ["--json"],
  );
  expect(second.stderr.filter((line) => !line.startsWith("connected"))).toEqual([]);
  expect(second.code).toBe(0);
  expect(second.stdout.map((line) => JSON.parse(line))).toEqual([
    expect.objectContaining({ type: "sent", kind: "edit", target: id, text: "Shall we have lunch on friday at noon?", to: "bob" }),
    expect.objectContaining({ type: "sent", kind: "reaction", target: id, emoji: "👍", to: "bob" }),
    expect.objectContaining({ type: "sent", kind: "message", replyTo: id, text: "Noon it is", to: "bob" }),
  ]);
  expect(await record(bob.stdout, { type: "edit" })).toMatchObject({ from: "alice", target: id, text: "Shall we have lunch on friday at noon?" });
  expect(await record(bob.stdout, { type: "reaction" })).toMatchObject({ from: "alice", target: id, emoji: "👍" });
  const noon = await record(bob.stdout, { type: "message", text: "Noon it is" });
  expect(noon).toMatchObject({ replyTo: id, quote: { from: "alice", text: "Shall we have lunch on friday at noon?" } });

  const third = await runClient("alice", { server: chat, configHome: homes.alice }, [`/delete ${id}`, "bob ps: forget this"], ["--json"]);
  expect(third.code).toBe(0);
  expect(await record(bob.stdout, { type: "delete" })).toMatchObject({ from: "alice", to: "bob", target: id });
  const ps = await record(bob.stdout, { type: "message", text: "ps: forget this" });
  bob.type("/search lunch friday");
  await bob.stdout.line(`{"type":"output","text":"No messages found."}`);
  // Deleting for oneself: the server tells this user's devices, this one included.
  bob.type(`/delete-for-me ${ps.id}`);
  expect(await record(bob.stdout, { type: "hidden" })).toEqual({ type: "hidden", conv: sent.conv, target: ps.id });
  await record(bob.stdout, { type: "output", text: `Deleted ^${ps.id} for you.` });
  expect(await bob.finish()).toBe(0);

  // Every event once, in order, each after the one before it.
  const seen = events(bob.stdout.lines);
  expect(seen.map((each) => [each.type, each.target ?? each.id])).toEqual([
    ["message", id],
    ["message", replySent.id],
    ["edit", id],
    ["reaction", id],
    ["message", noon.id],
    ["delete", id],
    ["message", ps.id],
  ]);
  const seqs = seen.map((each) => Number(each.seq));
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(bob.stdout.lines.filter((line) => line.includes(`"type":"hit"`))).toHaveLength(1);

  // Editing a deleted message is refused: the run says which, and exits non-zero.
  const late = await runClient("alice", { server: chat, configHome: homes.alice }, [`/edit ${id} too late`, "bob still there?"]);
  expect(late.code).toBe(1);
  expect(late.stderr).toContainEqual(expect.stringMatching(new RegExp(`^Edit of \\^${id} not sent: `)));
  expect(late.stderr.at(-1)).toBe(`Refused (1): edit of ^${id}.`);

  // bob's other device catches up in plain lines: the message as it is now, then what happened to it; not what bob hid.
  const phone = await runClient("bob", { server: chat, configHome: homes.phone }, []);
  expect(phone.code).toBe(0);
  expect(phone.stdout).toEqual([
    "[alice]: message deleted",
    `[alice] (reply to ^${id}): Or saturday?`,
    `[alice] edited ^${id}`,
    `[alice] reacted 👍 to ^${id}`,
    `[alice] (reply to ^${id}): Noon it is`,
    `[alice] deleted ^${id}`,
    "[alice]: still there?",
  ]);
});
