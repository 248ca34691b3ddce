import { describe, expect, test } from "bun:test";
import { runCommand, type CommandContext } from "../../src/client/cli/commands.ts";
import { environmentQuestions } from "../../src/client/cli/account-questions.ts";
import { formatTime, PLAIN } from "../../src/client/cli/format.ts";
import { membersLine, receiptsLine } from "../../src/client/cli/group-commands.ts";
import { MessageBook } from "../../src/client/cli/message-book.ts";
import { noticeLine, presenceLine } from "../../src/client/cli/notices.ts";
import { OwnGroupChanges } from "../../src/client/cli/own-group-changes.ts";
import { privacyLine } from "../../src/client/cli/social-commands.ts";
import { parseServerAddress } from "../../src/client/sdk/address.ts";
import { ChatApi } from "../../src/client/sdk/api.ts";
import { PresenceBook } from "../../src/client/sdk/presence-book.ts";
import type { NoticeFrame } from "../../src/protocol/index.ts";
import { freePort } from "../helpers/free-port.ts";

const NOWHERE = `127.0.0.1:${freePort()}`;

/** A context whose output is recorded; its server address has nothing listening, and what it would send is kept in `sent`. */
function context(shortRefs = false): CommandContext & { printed: string[]; reported: string[]; sent: unknown[]; refusals: string[] } {
  const printed: string[] = [];
  const reported: string[] = [];
  const sent: unknown[] = [];
  const refusals: string[] = [];
  return {
    me: "alice",
    deviceId: 1,
    token: "token",
    api: new ChatApi(parseServerAddress(NOWHERE)),
    style: PLAIN,
    presence: new PresenceBook(),
    ownGroupChanges: new OwnGroupChanges(),
    book: new MessageBook(shortRefs),
    messages: {
      send: (to, text, replyTo) => void sent.push(replyTo === undefined ? { type: "send", to, text } : { type: "send", to, text, replyTo }),
      sendFile: (to, attachment, caption) => void sent.push({ type: "send", to, text: caption, attachment: attachment.id }),
      act: (request) => void sent.push(request),
      refused: (what) => void refusals.push(what),
    },
    print: (line) => printed.push(line),
    report: (line) => reported.push(line),
    loggingOut: { now: false },
    secrets: environmentQuestions({ password: undefined }),
    printed,
    reported,
    sent,
    refusals,
  };
}

async function run(line: string, ctx = context()) {
  const [name = "", ...args] = line.slice(1).split(" ");
  const outcome = await runCommand(ctx, name, args);
  return { outcome, printed: ctx.printed, reported: ctx.reported, sent: ctx.sent, refusals: ctx.refusals };
}

const notice = (change: NoticeFrame["change"], extra: Partial<NoticeFrame> = {}): NoticeFrame => ({
  type: "notice",
  conv: 17,
  seq: 3,
  id: "n-1",
  from: "alice",
  to: "#team",
  ts: 1764093600000,
  change,
  group: "team",
  ...extra,
});

describe("slash commands", () => {
  test("/help lists the group, privacy and presence commands", async () => {
    const { printed } = await run("/help");
    for (const usage of [
      "/group create <name> <member>…",
      "/group add <name> <user>",
      "/group remove <name> <user>",
      "/group leave <name>",
      "/group members <name>",
      "/groups",
      "/group admin <name> <user>",
      "/group rename <name> <new-name>",
      "/group info <name> [seq]",
      "/privacy [<setting> <value>]",
      "/who [name]",
      "/contacts",
      "/contacts add <user>",
      "/accept <user>",
      "/block <user>",
      "/unblock <user>",
      "/blocked",
      "/invites",
      "/join <group>",
      "/decline <group>",
    ]) {
      expect(printed.some((line) => line.startsWith(`${usage} `))).toBe(true);
    }
  });

  test("missing, malformed and extra arguments are reported with the usage, and nothing is sent", async () => {
    expect((await run("/group add team")).reported).toEqual([
      "Give a user name. Usage: /group add <name> <user> (add a member; admins only).",
    ]);
    expect((await run("/group create team")).reported[0]).toStartWith("Name at least one member besides you. Usage: /group create");
    expect((await run("/group members b!d")).reported[0]).toStartWith("'b!d' is not a group name: a name must be 3 to 32 characters");
    expect((await run("/group rename team new name")).reported[0]).toStartWith("Too many words. Usage: /group rename <name> <new-name>");
    expect((await run("/privacy read-receipts maybe")).reported[0]).toStartWith("'maybe' is not on or off. Usage: /privacy");
    expect((await run("/privacy colour on")).reported[0]).toStartWith("'colour' is not a setting: last-seen, read-receipts or group-adds.");
    expect((await run("/privacy group-adds friends")).reported[0]).toStartWith("'friends' is not everyone, contacts or nobody.");
    expect((await run("/history bob 0")).reported[0]).toStartWith("'0' is not a number of messages from 1 to 200. Usage: /history");
  });

  test("an unknown command or sub-command names what exists", async () => {
    expect((await run("/frobnicate")).reported).toEqual(["Unknown command /frobnicate; /help lists the commands."]);
    expect((await run("/group dissolve team")).reported).toEqual([
      "/group needs one of: create, add, remove, leave, members, admin, rename, info; /help lists the commands.",
    ]);
  });

  test("an unreachable server is reported as the command failing, not thrown", async () => {
    const { outcome, reported } = await run("/group members team");
    expect(outcome).toBe("continue");
    expect(reported).toEqual([`/group members failed: Cannot reach the chat server at ${NOWHERE} (connection refused).`]);
  });

  test("/who answers from the presence heard so far", async () => {
    const ctx = context();
    ctx.presence.record({ type: "presence", user: "bob", online: true, lastSeen: null });
    ctx.presence.record({ type: "presence", user: "carol", online: false, lastSeen: null });
    await runCommand(ctx, "who", []);
    await runCommand(ctx, "who", ["Dave"]);
    expect(ctx.printed).toEqual([
      "bob is online",
      "carol is offline (last seen not available)",
      "No presence for dave: it is shown only between contacts (people who wrote to each other, or added each other).",
    ]);
  });

  test("/who while this client is offline says so, and nobody 'is' online", async () => {
    const ctx = context();
    const lost = new Date(2026, 10, 30, 14, 2).getTime();
    ctx.offlineSince = () => lost;
    ctx.presence.record({ type: "presence", user: "bob", online: true, lastSeen: null });
    await runCommand(ctx, "who", ["bob"]);
    expect(ctx.printed).toEqual([`This client has been offline since ${formatTime(lost)}; this is how things stood then.`, `bob was online at ${formatTime(lost)}`]);
  });

  test("/open, /close and /1 belong to the interactive client: script mode says so", async () => {
    for (const line of ["/open bob", "/close", "/2"]) {
      expect((await run(line)).reported).toEqual(["A conversation is opened in the interactive client; in a script, start each line with its recipient."]);
    }
  });
});

describe("commands on messages", () => {
  test("/help lists them", async () => {
    const { printed } = await run("/help");
    for (const usage of ["/reply <message> <text>…", "/edit <message> <text>…", "/delete <message>", "/delete-for-me <message>", "/react <message> [emoji]", "/search <words>…", "/timer <name> off|24h|7d|90d"]) {
      expect(printed.some((line) => line.startsWith(`${usage} `))).toBe(true);
    }
  });

  test("a short reference leads to the message and its conversation", async () => {
    const ctx = context(true);
    ctx.book.refer("m-1", "alice");
    ctx.book.refer("m-2", "#team");
    await run("/reply ^1 Fine, thanks!", ctx);
    await run("/edit 2 lunch at one", ctx);
    await run("/react ^2 👍", ctx);
    await run("/react 2", ctx);
    await run("/delete ^1", ctx);
    expect(ctx.reported).toEqual([]);
    expect(ctx.sent).toEqual([
      { type: "send", to: "alice", text: "Fine, thanks!", replyTo: "m-1" },
      { type: "edit", target: "m-2", text: "lunch at one", to: "#team" },
      { type: "react", target: "m-2", emoji: "👍", to: "#team" },
      { type: "react", target: "m-2", emoji: null, to: "#team" },
      { type: "delete", target: "m-1", to: "alice" },
    ]);
  });

  test("an id this run has not seen: actions go without the conversation (the server finds it)", async () => {
    const ctx = context();
    await run("/edit 0190-abc new words", ctx);
    expect(ctx.sent).toEqual([{ type: "edit", target: "0190-abc", text: "new words" }]);
  });

  test("disappearing messages: off, 24h, 7d or 90d", async () => {
    const ctx = context();
    await run("/timer #team 7d", ctx);
    await run("/timer Bob off", ctx);
    expect(ctx.sent).toEqual([
      { type: "timer", to: "#team", seconds: 604_800 },
      { type: "timer", to: "bob", seconds: 0 },
    ]);
    expect((await run("/timer bob 1h")).reported[0]).toStartWith("'1h' is not off, 24h, 7d or 90d. Usage: /timer");
  });

  test("what cannot name a message or a reaction is a usage error, and nothing is sent", async () => {
    const interactive = context(true);
    expect((await run("/delete ^5", interactive)).reported).toEqual([
      "^5 is not a message shown in this session. Usage: /delete <message> (delete a message for everyone (your own, or any in a group you admin)).",
    ]);
    expect((await run("/react")).reported[0]).toStartWith("Give the message: its id. Usage: /react");
    expect((await run("/react m-1 hello")).reported[0]).toStartWith("'hello' is not one emoji: a reaction is one emoji. Usage: /react");
    expect((await run("/edit m-1")).reported[0]).toStartWith("Type the new text after the message.");
    expect((await run("/search")).reported[0]).toStartWith("Give the words to look for.");
    expect(interactive.sent).toEqual([]);
  });

  test("a delete for oneself that cannot reach the server is counted as refused", async () => {
    const { reported, refusals } = await run("/delete-for-me m-1");
    expect(reported).toEqual([`/delete-for-me failed: Cannot reach the chat server at ${NOWHERE} (connection refused).`]);
    expect(refusals).toEqual(["deletion of ^m-1 for you"]);
  });
});

describe("group lines", () => {
  test("members, with admins marked", () => {
    const info = { name: "team", conv: 17, members: [{ name: "alice", role: "admin" as const }, { name: "bob", role: "member" as const }] };
    expect(membersLine(info)).toBe("#team (2 members): alice (admin), bob");
  });

  test("read by N of M, and by whom", () => {
    expect(receiptsLine("team", { seq: 8, members: 4, deliveredTo: ["bob", "carol", "dave"], readBy: ["bob"] })).toBe(
      "#team message 8: read by 1 of 4 (bob), delivered to 3 of 4 (bob, carol, dave)",
    );
    expect(receiptsLine("team", { seq: 9, members: 4, deliveredTo: [], readBy: [] })).toBe("#team message 9: read by 0 of 4, delivered to 0 of 4");
  });

  test("each change is one line, with 'you' for the user", () => {
    expect(noticeLine(notice("created"), "bob")).toBe("[#team] alice created the group");
    expect(noticeLine(notice("added", { user: "carol" }), "bob")).toBe("[#team] alice added carol");
    expect(noticeLine(notice("added", { user: "bob" }), "bob")).toBe("[#team] alice added you");
    expect(noticeLine(notice("removed", { user: "carol" }), "alice")).toBe("[#team] you removed carol");
    expect(noticeLine(notice("left", { from: "carol", user: "carol" }), "bob")).toBe("[#team] carol left");
    expect(noticeLine(notice("promoted", { user: "bob" }), "carol")).toBe("[#team] alice made bob an admin");
    expect(noticeLine(notice("renamed", { to: "#core", group: "core", previousName: "team" }), "bob")).toBe("[#core] alice renamed #team to #core");
  });

  test("a change made on this device is not announced twice there; a failed one is forgotten", () => {
    const own = new OwnGroupChanges();
    own.expect("added", "team", "carol");
    const undo = own.expect("removed", "team", "dave");
    undo();
    expect(own.isOwn(notice("added", { user: "carol" }))).toBe(true);
    expect(own.isOwn(notice("added", { user: "carol" }))).toBe(false); // the same change made again elsewhere
    expect(own.isOwn(notice("removed", { user: "dave" }))).toBe(false);
  });
});

describe("presence and privacy", () => {
  test("the snapshot after connecting is news to nobody; later changes are", () => {
    const book = new PresenceBook();
    expect(book.record({ type: "presence", user: "bob", online: false, lastSeen: 1 })).toBe("first");
    expect(book.record({ type: "presence", user: "bob", online: false, lastSeen: 1 })).toBe("unchanged");
    expect(book.record({ type: "presence", user: "bob", online: true, lastSeen: 1 })).toBe("came-online");
    expect(book.record({ type: "presence", user: "bob", online: false, lastSeen: 2 })).toBe("went-offline");
    expect(book.of("bob")).toEqual({ user: "bob", online: false, lastSeen: 2 });
  });

  test("online, last seen, or not available", () => {
    const now = new Date(2025, 10, 25, 18, 30).getTime();
    expect(presenceLine({ user: "bob", online: true, lastSeen: null }, now)).toBe("bob is online");
    expect(presenceLine({ user: "bob", online: false, lastSeen: new Date(2025, 10, 25, 9, 5).getTime() }, now)).toBe("bob was last seen 09:05");
    expect(presenceLine({ user: "bob", online: false, lastSeen: null }, now)).toBe("bob is offline (last seen not available)");
  });

  test("settings read as switches: last seen on means it is not hidden", () => {
    expect(privacyLine({ hideLastSeen: false, readReceipts: true, groupAdds: "everyone" })).toBe("Privacy: last seen on, read receipts on, group adds from everyone");
    expect(privacyLine({ hideLastSeen: true, readReceipts: false, groupAdds: "nobody" })).toBe("Privacy: last seen off, read receipts off, group adds from nobody");
  });
});
