import type { UserId } from "../../src/domain/types.ts";
import { openSqliteConnection } from "../../src/store/sqlite/index.ts";
import { seedSqlite } from "../drivers/app.ts";
import type { Account } from "../drivers/driver.ts";
import { benchNames } from "../loadgen/scenarios/context.ts";
import type { SocialGraph } from "./social-graph.ts";

/** The seeded day as the load generator needs it: who each user is, and every conversation's id and members. */
export interface DayWorld {
  /** One device each; user i of the graph is accounts[i]. */
  accounts: Account[];
  directs: Array<{ conv: number; a: number; b: number }>;
  groups: Array<{ conv: number; name: string; members: number[] }>;
}

/**
 * Writes the graph through the store's own code into a fresh data directory (the server is not running):
 * users with one device each, a direct conversation per pair with both counting each other as contacts
 * (as two people who wrote to each other do: presence, typing and receipts flow between them), and the
 * groups with their members (the first one creates it). Nothing is sent: every conversation is empty.
 */
export async function seedDay(dataDir: string, graph: SocialGraph, log: (line: string) => void): Promise<DayWorld> {
  const accounts = await seedSqlite(dataDir, benchNames("day", graph.users), 1);
  log(`day: ${accounts.length} users seeded`);
  const store = openSqliteConnection(dataDir, "read-write");
  try {
    const ids: UserId[] = [];
    for (const account of accounts) ids.push((await store.userByName(account.name))!.id);
    const now = Date.now();
    const directs: DayWorld["directs"] = [];
    for (const [a, b] of graph.directs) {
      const conv = await store.directConversation(ids[a]!, ids[b]!, now);
      await store.addContact(ids[a]!, ids[b]!, now);
      await store.addContact(ids[b]!, ids[a]!, now);
      directs.push({ conv, a, b });
    }
    log(`day: ${directs.length} direct conversations seeded`);
    const groups: DayWorld["groups"] = [];
    for (const [index, members] of graph.groups.entries()) {
      const name = `daygroup${String(index).padStart(5, "0")}`;
      const group = await store.createGroup(name, ids[members[0]!]!, members.slice(1).map((member) => ids[member]!), now);
      if (!group) throw new Error(`cannot seed the group ${name}: the name is taken`);
      groups.push({ conv: group.conv, name, members });
    }
    log(`day: ${groups.length} groups seeded`);
    return { accounts, directs, groups };
  } finally {
    await store.close();
  }
}
