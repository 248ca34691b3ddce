/**
 * Attachments: upload and download throughput of one large file against a plain copy of it on the
 * same disk in the same run, and the server's peak memory while several large uploads stream in at
 * once. The server is its own process (`src/server/main.ts` on SQLite, or PostgreSQL with
 * `--stores=postgres`); memory is its resident size from /metrics, sampled every 50 ms.
 *
 *   bun run bench:attachments              one 100 MB file, then 10 concurrent 100 MB uploads
 *   bun run bench:attachments -- --quick   20 MB, 3 concurrent
 * Options: --mb=N  --concurrent=N  --store=sqlite|postgres
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 *
 * Prints a table and, on the last line, one JSON object; writes it to bench/results/attachments-<time>.json.
 * The temporary directory (and the schema) are removed afterwards.
 */
import { SQL } from "bun";
import { copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServerProcess } from "../test/helpers/server-process.ts";

const RESULTS_DIR = join(import.meta.dir, "results");
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    mb: { type: "string" },
    concurrent: { type: "string" },
    store: { type: "string", default: "sqlite" },
  },
});
const BYTES = Number(options.mb ?? (options.quick ? 20 : 100)) * 1_000_000;
const CONCURRENT = Number(options.concurrent ?? (options.quick ? 3 : 10));
const MEMORY_SAMPLE_MS = 50;

const seconds = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
};
const mbPerSecond = (bytes: number, time: number) => Math.round(bytes / 1_000_000 / time);

/** A file copy that lands on disk as an upload does: copied, then fsynced. */
async function copyAndSync(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  const file = await open(to, "r+");
  await file.sync();
  await file.close();
}

const work = await mkdtemp(join(tmpdir(), "chat-bench-attachments-"));
const schema = `chat_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
const usesPostgres = options.store === "postgres";
const server = await startServerProcess(
  ["--data", join(work, "data"), "--max-attachment-bytes", String(BYTES), "--auth-attempts-per-minute", "0"],
  usesPostgres ? { DATABASE_URL, CHAT_DATABASE_SCHEMA: schema } : {},
);
try {
  const register = await fetch(`${server.url}/api/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "bencher", password: "correct horse battery staple" }),
  });
  const { token } = (await register.json()) as { token: string };
  const call = (method: string, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, method, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const upload = async (source: string): Promise<string> => {
    const started = (await (await call("POST", "/api/uploads", { body: JSON.stringify({ name: "big.bin", size: BYTES }), headers: { "content-type": "application/json" } })).json()) as { id: string };
    const answer = await call("PATCH", `/api/uploads/${started.id}`, { body: Bun.file(source), headers: { "upload-offset": "0" } });
    if (!answer.ok) throw new Error(`upload failed: ${answer.status} ${await answer.text()}`);
    return started.id;
  };
  const residentBytes = async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1] ?? 0);
  };

  const source = join(work, "source.bin");
  const chunk = crypto.getRandomValues(new Uint8Array(1_000_000));
  const writer = Bun.file(source).writer();
  for (let written = 0; written < BYTES; written += chunk.length) writer.write(chunk.subarray(0, Math.min(chunk.length, BYTES - written)));
  await writer.end();

  const copyTime = await seconds(() => copyAndSync(source, join(work, "copy.bin")));
  let id = "";
  const uploadTime = await seconds(async () => (id = await upload(source)));
  const downloadTime = await seconds(async () => {
    const answer = await call("GET", `/api/attachments/${id}`);
    await Bun.write(join(work, "downloaded.bin"), answer);
  });

  const idle = await residentBytes();
  let peak = idle;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await residentBytes());
      await Bun.sleep(MEMORY_SAMPLE_MS);
    }
  })();
  const concurrentTime = await seconds(() => Promise.all(Array.from({ length: CONCURRENT }, () => upload(source))));
  sampling = false;
  await sampler;

  const result = {
    store: options.store,
    file_mb: BYTES / 1_000_000,
    copy_mb_per_s: mbPerSecond(BYTES, copyTime),
    upload_mb_per_s: mbPerSecond(BYTES, uploadTime),
    download_mb_per_s: mbPerSecond(BYTES, downloadTime),
    upload_to_copy: Number((copyTime / uploadTime).toFixed(2)),
    download_to_copy: Number((copyTime / downloadTime).toFixed(2)),
    concurrent_uploads: CONCURRENT,
    concurrent_mb_per_s: mbPerSecond(BYTES * CONCURRENT, concurrentTime),
    idle_rss_mb: Math.round(idle / 1_000_000),
    peak_rss_mb: Math.round(peak / 1_000_000),
    peak_rise_mb: Math.round((peak - idle) / 1_000_000),
  };
  console.log(`file ${result.file_mb} MB on ${result.store}: copy ${result.copy_mb_per_s} MB/s, upload ${result.upload_mb_per_s} MB/s (${result.upload_to_copy}× the copy), download ${result.download_mb_per_s} MB/s (${result.download_to_copy}×)`);
  console.log(`${CONCURRENT} concurrent uploads: ${result.concurrent_mb_per_s} MB/s in all; server memory ${result.idle_rss_mb} MB idle, ${result.peak_rss_mb} MB at most (+${result.peak_rise_mb} MB)`);
  await Bun.write(join(RESULTS_DIR, `attachments-${new Date().toISOString().replaceAll(":", "-")}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
  if (usesPostgres) {
    const admin = new SQL(DATABASE_URL);
    await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
    await admin.close();
  }
}
