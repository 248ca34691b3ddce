import { expect, test } from "bun:test";
import { runClient, scriptSuite } from "./support.ts";

const { dir, client, server } = scriptSuite();

test("a group conversation in script mode: /group create, #team Hello all, members, and a refused change", async () => {
  const chat = await server();
  const homes = { alice: dir("chat-e2e-alice-"), bob: dir("chat-e2e-bob-"), carol: dir("chat-e2e-carol-") };
  const members = (["bob", "carol"] as const).map((name) => {
    return client(name, { server: chat, configHome: homes[name] });
  });
  await Promise.all(members.map((member) => member.stderr.line("connected")));

  const alice = client("alice", { server: chat, configHome: homes.alice }, ["--receipts"]);
  alice.type("/group create team bob carol", "#team Hello all", "/group members team", "/group add team nobody");
  for (const member of members) await member.stdout.line("[#team][alice]: Hello all");
  await alice.stdout.line("#team (3 members): alice (admin), bob, carol");
  await alice.stderr.line("/group add failed: There is no user named 'nobody'.");
  // ✓✓ in a group: the group's own mark, once both members' devices have the message.
  const sent = await alice.stdout.line(/^receipt sent #team \d+ \S+$/);
  await alice.stdout.line(`receipt delivered #team ${sent.split(" ")[3]} #team`);
  expect(await alice.finish()).toBe(0);
  expect(alice.stdout.lines.filter((line) => !line.startsWith("receipt "))).toEqual([
    "Created #team (3 members): alice (admin), bob, carol",
    "#team (3 members): alice (admin), bob, carol",
  ]);

  for (const member of members) {
    expect(await member.finish()).toBe(0);
    expect(member.stdout.lines).toEqual(["[#team] alice created the group", "[#team][alice]: Hello all"]);
  }

  // Nothing is printed twice on a later start; the group is listed.
  const later = await runClient("carol", { server: chat, configHome: homes.carol }, ["/groups", "/group members #team"]);
  expect(later).toMatchObject({ code: 0, stdout: ["#team", "#team (3 members): alice (admin), bob, carol"] });
});
