/**
 * Search latency over a large store: N messages seeded through the store's own code into a fresh
 * SQLite data directory (FTS5) and a fresh PostgreSQL schema (tsvector GIN), then, for a sample of
 * users, `searchMessages` (first page of 20) for a rare word, a common word and two words, against
 * a plain history page (`timelineBefore` of 50) measured in the same run, on the same data, as the
 * baseline. Also the seed rate and the bytes each store keeps per message.
 *
 *   bun run bench:search              1,000,000 messages (about 5 minutes here)
 *   bun run bench:search -- --quick   100,000 messages
 * Options: --messages=N  --users=N  --samples=N (users sampled per store)  --stores=sqlite,postgres
 *          --seed=N (the data set is the same for the same seed)  --explain (print each store's search plan)
 *          --sqlite-batch=N --postgres-batch=N (messages per appendEvents call; 2,000 and 500)
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 *
 * Prints a table and, on the last line, one JSON object; writes it to bench/results/search-<time>.json.
 * The temporary data directory and the schema are removed afterwards, also on error or Ctrl-C.
 */
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { EventPolicy, NewEvent } from "../src/domain/events.ts";
import type { ConversationId, UserId } from "../src/domain/types.ts";
import { openPostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SQLITE_FILE_NAME } from "../src/store/sqlite/index.ts";
import { openSqliteStore } from "../src/store/sqlite/threaded-store.ts";
import type { Store } from "../src/store/store.ts";
import { between, seededRandom } from "./seeded-random.ts";

const RESULTS_DIR = join(import.meta.dir, "results");
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const POLICY: EventPolicy = { editWindowMs: 900_000, deleteWindowMs: 172_800_000 };

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    messages: { type: "string" },
    users: { type: "string" },
    samples: { type: "string" },
    stores: { type: "string", default: "sqlite,postgres" },
    seed: { type: "string", default: "20261130" },
    explain: { type: "boolean", default: false },
    "sqlite-batch": { type: "string" },
    "postgres-batch": { type: "string" },
  },
});

/** The data set's shape (see the README's "Search" section). */
const SHAPE = {
  messages: Number(options.messages ?? (options.quick ? 100_000 : 1_000_000)),
  users: Number(options.users ?? 2000),
  /** Each user starts this many direct conversations with others picked at random: about twice as many each in all. */
  partnersPerUser: 5,
  groups: 40,
  groupSize: [5, 50] as const,
  /** Share of the messages written to groups; the rest go to direct conversations, picked uniformly. */
  groupShare: 0.1,
  vocabulary: 50_000,
  /** Zipf exponent of word frequencies: rank r is used in proportion to 1 / r^s. */
  zipfS: 1.0,
  wordsPerMessage: [5, 20] as const,
  /** Messages are spread evenly over this many days before the run. */
  days: 60,
};
/**
 * Messages per appendEvents call. PostgreSQL's one-statement append costs more per message as its batch
 * grows (two steps of it are quadratic in the conversations a batch touches: 0.08 ms a message at 100,
 * 0.13 at 500, 0.27 at 2,000, measured here), so it is seeded in batches of 500 unless told otherwise.
 */
const BATCH = { sqlite: Number(options["sqlite-batch"] ?? 2000), postgres: Number(options["postgres-batch"] ?? 500) };
/** Word ranks of each search: rare words are taken from the user's own conversations, so they hit. */
const RARE_FROM_RANK = 10_000;
const COMMON_RANKS = [1, 5] as const;
const SECOND_WORD_RANKS = [20, 200] as const;
const PAGE = 20;
const HISTORY_PAGE = 50;
const SAMPLES = Number(options.samples ?? (options.quick ? 200 : 300));
const WARMUP = 20;
const STORES = options.stores.split(",") as Array<"sqlite" | "postgres">;
for (const name of STORES) if (name !== "sqlite" && name !== "postgres") fail(`unknown store '${name}'`);

type Kind = "history" | "rare" | "common" | "two_words";
const KINDS: Kind[] = ["history", "rare", "common", "two_words"];

// ---------------------------------------------------------------------------------------------
// The data set: deterministic for a seed, generated twice (once per store) rather than kept.

/** Pronounceable, distinct, letters only, so both stores' tokenizers see one word per word. */
function makeVocabulary(size: number, random: () => number): string[] {
  const onsets = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch", "st", "tr", "sh"];
  const vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ee"];
  const codas = ["", "", "n", "r", "s", "l", "t", "m"];
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 1 + Math.floor(random() * 3) + (words.size > 2000 ? 1 : 0);
    let word = "";
    for (let i = 0; i < syllables; i++) {
      word += onsets[Math.floor(random() * onsets.length)]! + vowels[Math.floor(random() * vowels.length)]! + codas[Math.floor(random() * codas.length)]!;
    }
    words.add(word);
  }
  return [...words];
}

interface DataSet {
  words: string[];
  /** cumulative[r - 1]: probability that a word has rank ≤ r. */
  cumulative: Float64Array;
  directPairs: Array<[number, number]>;
  groups: number[][];
  /** Logical conversations: direct pairs first, then groups; their members (user indexes). */
  conversationMembers: number[][];
  conversationsOf: number[][];
}

function makeDataSet(seed: number): DataSet {
  const random = seededRandom(seed);
  const words = makeVocabulary(SHAPE.vocabulary, random);
  const cumulative = new Float64Array(SHAPE.vocabulary);
  let total = 0;
  for (let rank = 1; rank <= SHAPE.vocabulary; rank++) cumulative[rank - 1] = total += 1 / rank ** SHAPE.zipfS;
  for (let i = 0; i < cumulative.length; i++) cumulative[i]! /= total;

  const pairKeys = new Set<string>();
  const directPairs: Array<[number, number]> = [];
  for (let a = 0; a < SHAPE.users; a++) {
    for (let k = 0; k < SHAPE.partnersPerUser; k++) {
      const b = Math.floor(random() * SHAPE.users);
      const key = a < b ? `${a}:${b}` : `${b}:${a}`;
      if (b === a || pairKeys.has(key)) continue;
      pairKeys.add(key);
      directPairs.push([a, b]);
    }
  }
  const groups: number[][] = [];
  for (let g = 0; g < SHAPE.groups; g++) {
    const members = new Set<number>();
    const size = between(random, SHAPE.groupSize);
    while (members.size < size) members.add(Math.floor(random() * SHAPE.users));
    groups.push([...members]);
  }
  const conversationMembers = [...directPairs.map(([a, b]) => [a, b]), ...groups];
  const conversationsOf: number[][] = Array.from({ length: SHAPE.users }, () => []);
  conversationMembers.forEach((members, conv) => {
    for (const user of members) conversationsOf[user]!.push(conv);
  });
  return { words, cumulative, directPairs, groups, conversationMembers, conversationsOf };
}

/** A word rank drawn from the Zipf distribution (1 = most frequent). */
function drawRank(data: DataSet, random: () => number): number {
  const x = random();
  let low = 0;
  let high = data.cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (data.cumulative[mid]! < x) low = mid + 1;
    else high = mid;
  }
  return low + 1;
}

/** Rare words seen per conversation (the latest few), so a sampled user can search for one they have. */
const RARE_KEPT = 8;

interface Ids {
  users: UserId[];
  conversations: ConversationId[];
}

/** The messages in batches, oldest first. Same seed, same messages, whichever store they go to. */
function* messageBatches(data: DataSet, seed: number, ids: Ids, rareSeen: string[][], size: number): Generator<NewEvent[]> {
  const random = seededRandom(seed ^ 0x5eed);
  const directCount = data.directPairs.length;
  const groupCount = data.groups.length;
  const start = Date.now() - SHAPE.days * 86_400_000;
  const step = (SHAPE.days * 86_400_000) / SHAPE.messages;
  let batch: NewEvent[] = [];
  for (let n = 0; n < SHAPE.messages; n++) {
    const conv = random() < SHAPE.groupShare ? directCount + Math.floor(random() * groupCount) : Math.floor(random() * directCount);
    const members = data.conversationMembers[conv]!;
    const sender = members[Math.floor(random() * members.length)]!;
    const length = between(random, SHAPE.wordsPerMessage);
    const parts: string[] = [];
    let rarest = 0;
    for (let w = 0; w < length; w++) {
      const rank = drawRank(data, random);
      if (rank > rarest) rarest = rank;
      parts.push(data.words[rank - 1]!);
    }
    if (rarest >= RARE_FROM_RANK) {
      const seen = (rareSeen[conv] ??= []);
      seen.push(data.words[rarest - 1]!);
      if (seen.length > RARE_KEPT) seen.shift();
    }
    const sentAt = Math.floor(start + n * step);
    batch.push({
      kind: "message",
      conv: ids.conversations[conv]!,
      senderId: ids.users[sender]!,
      clientId: Bun.randomUUIDv7(undefined, sentAt),
      text: `${parts.join(" ")}${random() < 0.3 ? "?" : "."}`,
      sentAt,
    });
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

// ---------------------------------------------------------------------------------------------
// Seeding and measuring one store.

interface StoreResult {
  /** Messages per appendEvents call while seeding. */
  batch: number;
  seedSeconds: number;
  setupSeconds: number;
  seedMsgsPerSec: number;
  /** Seconds of VACUUM (ANALYZE) after seeding (PostgreSQL; autovacuum would do it in a deployment). */
  vacuumSeconds?: number;
  bytes: number;
  bytesPerMessage: number;
  bytesByPart: Record<string, number>;
  latency: Record<Kind, { count: number; p50: number; p90: number; p99: number; max: number; meanHits: number }>;
  plans?: Record<string, string>;
}

async function seed(store: Store, data: DataSet, seedValue: number, label: "sqlite" | "postgres"): Promise<{ ids: Ids; rareSeen: string[][]; setupSeconds: number; seedSeconds: number }> {
  const setupStarted = performance.now();
  const now = Date.now() - SHAPE.days * 86_400_000 - 60_000;
  const users: UserId[] = new Array(SHAPE.users);
  await inParallel(SHAPE.users, 16, async (i) => {
    const user = await store.createUser(`bench-user-${i}`, "not-a-password-hash", now);
    if (!user) throw new Error(`${label}: user bench-user-${i} exists already`);
    users[i] = user.id;
  });
  const conversations: ConversationId[] = new Array(data.conversationMembers.length);
  await inParallel(data.directPairs.length, 16, async (k) => {
    const [a, b] = data.directPairs[k]!;
    conversations[k] = await store.directConversation(users[a]!, users[b]!, now);
  });
  await inParallel(data.groups.length, 4, async (g) => {
    const [creator, ...others] = data.groups[g]!;
    const group = await store.createGroup(`bench-group-${g}`, users[creator!]!, others.map((i) => users[i]!), now);
    if (!group) throw new Error(`${label}: group bench-group-${g} exists already`);
    conversations[data.directPairs.length + g] = group.conv;
  });
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  progress(`${label}: ${SHAPE.users} users, ${data.directPairs.length} direct conversations, ${data.groups.length} groups in ${setupSeconds.toFixed(1)} s`);

  const ids = { users, conversations };
  const rareSeen: string[][] = [];
  const started = performance.now();
  let stored = 0;
  let lastReport = started;
  // Two appends in flight, as the server hands them over: the next batch is made while one commits.
  const inFlight: Promise<void>[] = [];
  for (const batch of messageBatches(data, seedValue, ids, rareSeen, BATCH[label])) {
    inFlight.push(
      store.appendEvents(batch, POLICY).then((results) => {
        const bad = results.findIndex((result) => !result.ok || result.duplicate);
        if (bad >= 0) throw new Error(`${label}: message ${bad} of a batch was not stored: ${JSON.stringify(results[bad])}`);
        stored += results.length;
      }),
    );
    if (inFlight.length >= 2) await inFlight.shift();
    if (interrupted) await Promise.allSettled(inFlight);
    stopIfInterrupted();
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      progress(`${label}: ${stored.toLocaleString("en")} messages stored, ${Math.round(stored / ((lastReport - started) / 1000)).toLocaleString("en")}/s`);
    }
  }
  await Promise.all(inFlight);
  const seedSeconds = (performance.now() - started) / 1000;
  progress(`${label}: ${stored.toLocaleString("en")} messages in ${seedSeconds.toFixed(1)} s (${Math.round(stored / seedSeconds).toLocaleString("en")}/s)`);
  return { ids, rareSeen, setupSeconds, seedSeconds };
}

interface Query {
  user: number;
  kind: Kind;
  conv?: number;
  words?: string[];
}

/** For each sampled user, one query of each kind, in an order rotated per user. */
function makeQueries(data: DataSet, rareSeen: string[][], count: number, seedValue: number): Query[][] {
  const random = seededRandom(seedValue ^ 0x9e4c);
  const rankWord = (range: readonly [number, number]) => data.words[between(random, range) - 1]!;
  const perUser: Query[][] = [];
  const chosen = new Set<number>();
  while (perUser.length < count && chosen.size < SHAPE.users) {
    const user = Math.floor(random() * SHAPE.users);
    if (chosen.has(user)) continue;
    chosen.add(user);
    const convs = data.conversationsOf[user]!;
    const withRare = convs.filter((conv) => (rareSeen[conv]?.length ?? 0) > 0);
    if (convs.length === 0 || withRare.length === 0) continue;
    const rareConv = withRare[Math.floor(random() * withRare.length)]!;
    const rare = rareSeen[rareConv]![Math.floor(random() * rareSeen[rareConv]!.length)]!;
    const queries: Query[] = [
      { user, kind: "history", conv: convs[Math.floor(random() * convs.length)]! },
      { user, kind: "rare", words: [rare] },
      { user, kind: "common", words: [rankWord(COMMON_RANKS)] },
      { user, kind: "two_words", words: [rankWord(COMMON_RANKS), rankWord(SECOND_WORD_RANKS)] },
    ];
    const shift = perUser.length % queries.length;
    perUser.push([...queries.slice(shift), ...queries.slice(0, shift)]);
  }
  return perUser;
}

async function runQuery(store: Store, ids: Ids, query: Query): Promise<number> {
  const user = ids.users[query.user]!;
  if (query.kind === "history") return (await store.timelineBefore(ids.conversations[query.conv!]!, null, HISTORY_PAGE, user)).length;
  return (await store.searchMessages(user, query.words!, null, PAGE)).events.length;
}

async function measure(store: Store, ids: Ids, queries: Query[][], label: string): Promise<StoreResult["latency"]> {
  for (const userQueries of queries.slice(0, WARMUP)) for (const query of userQueries) await runQuery(store, ids, query);
  const times: Record<Kind, number[]> = { history: [], rare: [], common: [], two_words: [] };
  const hits: Record<Kind, number> = { history: 0, rare: 0, common: 0, two_words: 0 };
  const started = performance.now();
  for (const userQueries of queries) {
    stopIfInterrupted();
    for (const query of userQueries) {
      const t0 = performance.now();
      hits[query.kind] += await runQuery(store, ids, query);
      times[query.kind].push(performance.now() - t0);
    }
  }
  progress(`${label}: ${queries.length} users × ${KINDS.length} queries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const latency = {} as StoreResult["latency"];
  for (const kind of KINDS) {
    const sorted = times[kind].sort((a, b) => a - b);
    latency[kind] = {
      count: sorted.length,
      p50: round(quantile(sorted, 0.5)),
      p90: round(quantile(sorted, 0.9)),
      p99: round(quantile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? 0),
      meanHits: Math.round((hits[kind] / Math.max(1, sorted.length)) * 10) / 10,
    };
  }
  return latency;
}

async function benchSqlite(data: DataSet, seedValue: number): Promise<StoreResult> {
  const dataDir = await mkdtemp(join(tmpdir(), "chat-bench-search-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openSqliteStore(dataDir);
  try {
    const { ids, rareSeen, setupSeconds, seedSeconds } = await seed(store, data, seedValue, "sqlite");
    const queries = makeQueries(data, rareSeen, SAMPLES, seedValue);
    const file = new Database(join(dataDir, SQLITE_FILE_NAME), { readonly: true, strict: true });
    let bytes: number;
    const bytesByPart: Record<string, number> = {};
    let plans: Record<string, string> | undefined;
    try {
      const page = file.query<{ v: number }, []>("SELECT (SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM pragma_freelist_count) AS v").get()!.v;
      const pageSize = file.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
      bytes = page * pageSize;
      for (const row of file.query<{ name: string; bytes: number }, []>("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all()) {
        const part = row.name.startsWith("events_search") ? "events_search (FTS5)" : row.name.startsWith("events") ? row.name : "other tables";
        bytesByPart[part] = (bytesByPart[part] ?? 0) + row.bytes;
      }
      if (options.explain) plans = sqlitePlans(file, ids, queries[0]!);
    } finally {
      file.close();
    }
    const latency = await measure(store, ids, queries, "sqlite");
    return { batch: BATCH.sqlite, setupSeconds, seedSeconds, seedMsgsPerSec: Math.round(SHAPE.messages / seedSeconds), bytes, bytesPerMessage: Math.round(bytes / SHAPE.messages), bytesByPart, latency, plans };
  } finally {
    await store.close();
  }
}

/**
 * The plan SQLite picks for a search, and for the first sampled user's searches how many messages
 * hold the words in all (what the index walks when the user has fewer than a page of them); a copy
 * of the store's statement, for --explain only.
 */
function sqlitePlans(db: Database, ids: Ids, queries: Query[]): Record<string, string> {
  const search = `SELECT e.id FROM events e JOIN users u ON u.id = e.sender_id
       JOIN events_search s ON s.rowid = e.id
       JOIN members m ON m.conv_id = e.conv_id AND m.user_id = $viewer AND e.seq > m.joined_seq
     WHERE events_search MATCH $match AND s.rowid < 9007199254740991 AND e.kind = 'message' AND e.deleted = 0
       AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = $viewer AND h.conv_id = e.conv_id AND h.seq = e.seq)
     ORDER BY s.rowid DESC LIMIT 20`;
  const plans: Record<string, string> = {};
  plans.plan = db
    .query<{ detail: string }, any>(`EXPLAIN QUERY PLAN ${search}`)
    .all({ viewer: 1, match: '"x"' })
    .map((row) => row.detail)
    .join("\n");
  for (const query of queries) {
    if (!query.words) continue;
    const match = query.words.map((word) => `"${word}"`).join(" ");
    const viewer = ids.users[query.user]!;
    const holding = db.query<{ n: number }, any>("SELECT count(*) AS n FROM events_search WHERE events_search MATCH $match").get({ match })!.n;
    const t0 = performance.now();
    const hits = db.query(search).all({ viewer, match }).length;
    plans[`${query.kind} '${query.words.join(" ")}'`] =
      `${holding} messages hold the words; ${hits} of them on the user's first page; ${(performance.now() - t0).toFixed(2)} ms`;
  }
  return plans;
}

async function benchPostgres(data: DataSet, seedValue: number): Promise<StoreResult> {
  const schema = `bench_search_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new SQL(DATABASE_URL);
  cleanups.push(async () => {
    await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
    await admin.close();
  });
  const store = await openPostgresStore(DATABASE_URL, { schema });
  try {
    const { ids, rareSeen, setupSeconds, seedSeconds } = await seed(store, data, seedValue, "postgres");
    const tables = await admin<{ relname: string }[]>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${schema} AND c.relkind = 'r'`;
    const vacuumStarted = performance.now();
    for (const { relname } of tables) await admin.unsafe(`VACUUM (ANALYZE) "${schema}"."${relname}"`);
    const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    progress(`postgres: VACUUM (ANALYZE) in ${vacuumSeconds.toFixed(1)} s`);
    const parts = await admin<{ name: string; bytes: string }[]>`
      SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${schema} AND c.relkind = 'r'`;
    const indexes = await admin<{ name: string; bytes: string }[]>`
      SELECT i.relname AS name, pg_relation_size(i.oid) AS bytes
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = ${schema} AND t.relname = 'events'`;
    const [heap] = await admin<{ bytes: string }[]>`SELECT pg_table_size(${`"${schema}".events`}::regclass) AS bytes`;
    const bytes = parts.reduce((sum, part) => sum + Number(part.bytes), 0);
    const bytesByPart: Record<string, number> = { "events (heap + TOAST)": Number(heap!.bytes) };
    for (const index of indexes) bytesByPart[index.name] = Number(index.bytes);
    bytesByPart["other tables"] = parts.filter((part) => part.name !== "events").reduce((sum, part) => sum + Number(part.bytes), 0);
    const queries = makeQueries(data, rareSeen, SAMPLES, seedValue);
    const plans = options.explain ? await postgresPlans(admin, schema, ids, queries[0]!) : undefined;
    const latency = await measure(store, ids, queries, "postgres");
    return {
      batch: BATCH.postgres,
      setupSeconds,
      seedSeconds,
      seedMsgsPerSec: Math.round(SHAPE.messages / seedSeconds),
      vacuumSeconds: Math.round(vacuumSeconds * 10) / 10,
      bytes,
      bytesPerMessage: Math.round(bytes / SHAPE.messages),
      bytesByPart,
      latency,
      plans,
    };
  } finally {
    await store.close();
  }
}

/**
 * The plans PostgreSQL picks for the first sampled user's searches (a copy of the store's statement,
 * for --explain only): generic, as the store's connections force, and custom, for comparison.
 */
async function postgresPlans(admin: SQL, schema: string, ids: Ids, queries: Query[]): Promise<Record<string, string>> {
  const plans: Record<string, string> = {};
  const viewer = ids.users[queries[0]!.user]!;
  await admin.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL search_path = "${schema}"`);
    await tx.unsafe(`PREPARE bench_search(bigint, text, bigint, int) AS
      SELECT e.id FROM events e JOIN users u ON u.id = e.sender_id
        LEFT JOIN events q ON e.kind = 'message' AND q.client_id = e.ref_id AND q.conv_id = e.conv_id
        LEFT JOIN users qu ON qu.id = q.sender_id
        JOIN members m ON m.conv_id = e.conv_id AND m.user_id = $1 AND e.seq > m.joined_seq
      WHERE to_tsvector('simple', e.body) @@ plainto_tsquery('simple', $2)
        AND e.kind = 'message' AND NOT e.deleted AND e.id < $3
        AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = $1 AND h.conv_id = e.conv_id AND h.seq = e.seq)
      ORDER BY e.id DESC LIMIT $4`);
    for (const mode of ["force_generic_plan", "force_custom_plan"]) {
      await tx.unsafe(`SET LOCAL plan_cache_mode = ${mode}`);
      for (const query of queries) {
        if (!query.words) continue;
        const words = query.words.join(" ");
        const rows = await tx.unsafe(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE bench_search(${viewer}, '${words}', ${Number.MAX_SAFE_INTEGER}, 20)`);
        plans[`${mode === "force_generic_plan" ? "generic (as the store runs it)" : "custom"}, ${query.kind} '${words}'`] = (
          rows as Array<Record<string, string>>
        )
          .map((row) => Object.values(row)[0])
          .join("\n");
      }
    }
    await tx.unsafe("DEALLOCATE bench_search");
  });
  return plans;
}

// ---------------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error(`clean-up failed: ${error instanceof Error ? error.message : error}`);
    }
  }
}
// Ctrl-C stops the work in progress at its next batch or query; the clean-up then runs as after an error.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress("interrupted: stopping, then removing the data directory and the schema");
  });
}
function stopIfInterrupted(): void {
  if (interrupted) throw new Error("interrupted");
}

const started = performance.now();
const startedAt = new Date().toISOString();
const seedValue = Number(options.seed);
const data = makeDataSet(seedValue);
progress(`${SHAPE.messages.toLocaleString("en")} messages, ${SHAPE.users} users; stores: ${STORES.join(", ")}; ${SAMPLES} users sampled`);

const results: Partial<Record<"sqlite" | "postgres", StoreResult>> = {};
const failures: Partial<Record<"sqlite" | "postgres", string>> = {};
try {
  for (const name of STORES) {
    if (interrupted) break;
    try {
      results[name] = name === "sqlite" ? await benchSqlite(data, seedValue) : await benchPostgres(data, seedValue);
    } catch (error) {
      failures[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      progress(`${name} failed: ${failures[name]}`);
    }
    await cleanUp();
  }
} finally {
  await cleanUp();
}
if (interrupted) process.exit(130);

const summary: Record<string, number | string | null> = { stored_messages: SHAPE.messages };
for (const name of ["sqlite", "postgres"] as const) {
  const result = results[name];
  if (!result) continue;
  summary[`${name}_seed_msgs_per_s`] = result.seedMsgsPerSec;
  summary[`${name}_bytes_per_msg`] = result.bytesPerMessage;
  summary[`${name}_history_p50_ms`] = result.latency.history.p50;
  summary[`${name}_history_p99_ms`] = result.latency.history.p99;
  for (const kind of ["rare", "common", "two_words"] as const) {
    summary[`${name}_search_${kind}_p50_ms`] = result.latency[kind].p50;
    summary[`${name}_search_${kind}_p99_ms`] = result.latency[kind].p99;
  }
  for (const kind of ["rare", "common", "two_words"] as const) {
    summary[`${name}_search_${kind}_p50_x_history`] = ratio(result.latency[kind].p50, result.latency.history.p50);
    summary[`${name}_search_${kind}_p99_x_history`] = ratio(result.latency[kind].p99, result.latency.history.p99);
  }
}
for (const name of Object.keys(failures)) summary[`${name}_failed`] = failures[name as "sqlite"]!.split("\n")[0]!;

const seconds = Math.round(performance.now() - started) / 1000;
const report = {
  kind: "search",
  startedAt,
  seconds,
  shape: { ...SHAPE, seed: seedValue, rareFromRank: RARE_FROM_RANK, commonRanks: COMMON_RANKS, secondWordRanks: SECOND_WORD_RANKS, samples: SAMPLES, page: PAGE, historyPage: HISTORY_PAGE },
  stores: results,
  failures,
  summary,
};
const path = join(RESULTS_DIR, `search-${startedAt.replace(/[:.]/g, "-").slice(0, 19)}.json`);
await Bun.write(path, `${JSON.stringify(report, null, 2)}\n`);

console.log(renderTable());
for (const [name, result] of Object.entries(results)) {
  for (const [label, plan] of Object.entries(result.plans ?? {})) console.log(`\n${name} plan, ${label}:\n${plan}`);
}
console.log(`\nReport: bench/results/${path.split("/").at(-1)}  (${seconds} s)`);
console.log(JSON.stringify(summary));
process.exit(Object.keys(failures).length > 0 ? 1 : 0);

function renderTable(): string {
  const names = (["sqlite", "postgres"] as const).filter((name) => results[name]);
  const cell = (text: string | number) => String(text).padStart(26);
  const lines = [`Search over ${SHAPE.messages.toLocaleString("en")} messages (${SAMPLES} users sampled; ms, and × the history page)`];
  lines.push(`${"".padEnd(34)}${names.map((name) => cell(name === "sqlite" ? "SQLite (FTS5)" : "PostgreSQL (GIN)")).join("")}`);
  const row = (label: string, value: (result: StoreResult) => string | number) =>
    lines.push(`${label.padEnd(34)}${names.map((name) => cell(value(results[name]!))).join("")}`);
  const labels: Record<Kind, string> = {
    history: `history page of ${HISTORY_PAGE}`,
    rare: "search, a rare word",
    common: "search, a common word",
    two_words: "search, two words",
  };
  for (const kind of KINDS) {
    for (const q of ["p50", "p99"] as const) {
      row(`${labels[kind]} ${q}`, (result) => {
        const value = result.latency[kind][q];
        return kind === "history" ? value.toFixed(3) : `${value.toFixed(3)} (×${ratio(value, result.latency.history[q])})`;
      });
    }
    row(`  results per query (mean)`, (result) => result.latency[kind].meanHits);
  }
  row("seed rate (msgs/s)", (result) => `${result.seedMsgsPerSec.toLocaleString("en")} (batches of ${result.batch.toLocaleString("en")})`);
  row("bytes per message (whole store)", (result) => result.bytesPerMessage);
  for (const name of names) {
    const result = results[name]!;
    const parts = Object.entries(result.bytesByPart).sort((a, b) => b[1] - a[1]);
    lines.push(`  ${name}: ${parts.map(([part, bytes]) => `${part} ${Math.round(bytes / SHAPE.messages)}`).join(", ")} (bytes per message)`);
  }
  for (const [name, failure] of Object.entries(failures)) lines.push(`${name} FAILED: ${failure}`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function inParallel(count: number, width: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
      stopIfInterrupted();
      await work(next++);
    }
    }),
  );
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function ratio(value: number, base: number): number | null {
  return base > 0 ? Math.round((value / base) * 100) / 100 : null;
}

function progress(line: string): void {
  console.error(`[search ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
