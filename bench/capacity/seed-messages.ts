import type { EventPolicy, NewEvent } from "../../src/domain/events.ts";
import type { ConversationId, UserId } from "../../src/domain/types.ts";
import { openSqliteConnection } from "../../src/store/sqlite/index.ts";
import type { Store } from "../../src/store/store.ts";
import { seedSqlite } from "../drivers/app.ts";
import type { Account } from "../drivers/driver.ts";

const POLICY: EventPolicy = { editWindowMs: 900_000, deleteWindowMs: 172_800_000 };
/** Messages per appendEvents call, as bench/search.ts seeds SQLite. */
const BATCH = 2000;
/** Messages are spread over the last week: inside the default 30-day retention, so the server keeps them. */
const SPREAD_MS = 7 * 86_400_000;
/** Events indexed for search per call once seeded, so the server starts on a store whose index is up to date. */
const INDEX_CHUNK = 20_000;
const WORDS = makeWords(2000);

export interface SeedSpec {
  /** Messages in conversations of background users. */
  background: number;
  /** Messages from `writer` to the far-behind device's user, interleaved with the background. */
  backlog: number;
  users: number;
  partnersPerUser: number;
}

export interface SeededStore {
  /** A device that was never connected: it resumes the whole backlog. */
  reader: Account;
  writer: string;
  stored: number;
  usersSeconds: number;
  seedSeconds: number;
  indexSeconds: number;
}

/**
 * Fills a fresh SQLite data directory through the store's own code (the
 * server is not running): background users in direct conversations with
 * messages spread over them, plus one writer → reader conversation whose
 * reader device has never connected. Then indexes everything for search.
 */
export async function seedMessages(dataDir: string, spec: SeedSpec, log: (line: string) => void): Promise<SeededStore> {
  const [reader, writer] = await seedSqlite(dataDir, ["behind", "writer"], 1);
  const store = openSqliteConnection(dataDir, "read-write");
  try {
    const usersStarted = performance.now();
    const readerId = (await store.userByName(reader!.name))!.id;
    const writerId = (await store.userByName(writer!.name))!.id;
    const backlogConv = await store.directConversation(writerId, readerId, Date.now() - SPREAD_MS);
    const pairs = spec.background > 0 ? await backgroundConversations(store, spec) : [];
    const usersSeconds = (performance.now() - usersStarted) / 1000;

    const started = performance.now();
    const total = spec.background + spec.backlog;
    const backlogEvery = Math.max(1, Math.floor(total / Math.max(1, spec.backlog)));
    const first = Date.now() - SPREAD_MS;
    let backlogLeft = spec.backlog;
    let stored = 0;
    let batch: NewEvent[] = [];
    const inFlight: Promise<void>[] = [];
    let random = 0x2545f491;
    const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0);
    for (let n = 0; n < total; n++) {
      const sentAt = Math.floor(first + (n * SPREAD_MS) / total);
      const toBacklog = backlogLeft > 0 && (n % backlogEvery === 0 || total - n <= backlogLeft);
      let conv: ConversationId;
      let senderId: UserId;
      if (toBacklog || pairs.length === 0) {
        backlogLeft--;
        conv = backlogConv;
        senderId = writerId;
      } else {
        const pair = pairs[next() % pairs.length]!;
        conv = pair.conv;
        senderId = next() % 2 ? pair.a : pair.b;
      }
      let text = "";
      for (let w = 0; w < 8; w++) text += `${WORDS[next() % WORDS.length]} `;
      batch.push({ kind: "message", conv, senderId, clientId: Bun.randomUUIDv7(undefined, sentAt), text: `${text}${n}`, sentAt });
      if (batch.length === BATCH || n === total - 1) {
        inFlight.push(append(store, batch).then((count) => void (stored += count)));
        batch = [];
        if (inFlight.length >= 2) await inFlight.shift();
        if (n % 500_000 < BATCH) log(`stored ${stored.toLocaleString("en")} of ${total.toLocaleString("en")}`);
      }
    }
    await Promise.all(inFlight);
    const seedSeconds = (performance.now() - started) / 1000;

    const indexing = performance.now();
    while ((await store.indexForSearch(INDEX_CHUNK)) > 0);
    const indexSeconds = (performance.now() - indexing) / 1000;
    return { reader: reader!, writer: writer!.name, stored, usersSeconds, seedSeconds, indexSeconds };
  } finally {
    await store.close();
  }
}

async function append(store: Store, batch: NewEvent[]): Promise<number> {
  const results = await store.appendEvents(batch, POLICY);
  const bad = results.findIndex((result) => !result.ok || result.duplicate);
  if (bad >= 0) throw new Error(`message ${bad} of a seeded batch was not stored: ${JSON.stringify(results[bad])}`);
  return results.length;
}

/** `users` background users, each starting direct conversations with `partnersPerUser` others (about twice that each in all). */
async function backgroundConversations(store: Store, spec: SeedSpec): Promise<Array<{ conv: ConversationId; a: UserId; b: UserId }>> {
  const now = Date.now() - SPREAD_MS - 60_000;
  const users: UserId[] = [];
  for (let i = 0; i < spec.users; i++) {
    const user = await store.createUser(`grow${String(i).padStart(5, "0")}`, "not-a-password-hash", now);
    if (!user) throw new Error(`background user ${i} exists already`);
    users.push(user.id);
  }
  const pairs: Array<{ conv: ConversationId; a: UserId; b: UserId }> = [];
  for (let i = 0; i < users.length; i++) {
    for (let k = 1; k <= spec.partnersPerUser; k++) {
      const a = users[i]!;
      const b = users[(i + k * 7) % users.length]!;
      if (a !== b) pairs.push({ conv: await store.directConversation(a, b, now), a, b });
    }
  }
  return pairs;
}

/** Short pronounceable words, so the search index sees a vocabulary rather than one token per message. */
function makeWords(count: number): string[] {
  const syllables = ["ba", "ko", "ri", "mu", "te", "sa", "lo", "ni", "pe", "du", "ga", "vi", "zo", "he", "ju"];
  return Array.from({ length: count }, (_, i) => {
    let word = "";
    for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
    return word;
  });
}
