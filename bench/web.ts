/**
 * The web client's figures, measured in headless Chromium against the compiled ./chat-server:
 *
 * 1. first load: the compressed (gzip, as served) size of the page's JavaScript and CSS;
 * 2. time from navigation to a usable chat list of 50 conversations (median of several loads);
 * 3. scrolling up through a 100,000-message conversation for a few seconds: frames per second,
 *    slow frames, long tasks, how many messages were loaded and how many rows the DOM held.
 *
 * `bun run bench:web` (about a minute). Prints a table and, on its last line, one JSON object;
 * writes bench/results/web-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

// page.evaluate callbacks run in the page; this file is type-checked without the DOM's types.
declare const document: any, window: any, requestAnimationFrame: any;

const ROOT = resolve(import.meta.dir, "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PASSWORD = "correct horse battery";
const CONVERSATIONS = 50;
const BIG_CONVERSATION = Number(process.env.BENCH_WEB_MESSAGES ?? 100_000);
const LIST_LOADS = 7;
const SCROLL_SECONDS = 8;
const BUDGET_BYTES = 150 * 1024;

function log(line: string): void {
  console.error(`bench:web: ${line}`);
}

async function main(): Promise<void> {
  log("building ./chat-server");
  const build = Bun.spawnSync(["bun", "run", "build:server"], { cwd: ROOT, stdout: "ignore", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr}`);
  const dataDir = mkdtempSync(join(tmpdir(), "chat-bench-web-"));
  const server = Bun.spawn(
    [join(ROOT, "chat-server"), "--port", "0", "--host", "127.0.0.1", "--data", dataDir, "--user-message-rate", "0", "--connection-frame-rate", "0", "--auth-attempts-per-minute", "0", "--log-level", "error"],
    { cwd: dataDir, stdout: "pipe", stderr: "inherit" },
  );
  try {
    const port = await announcedPort(server.stdout);
    const base = `http://127.0.0.1:${port}`;
    const size = await firstLoadSize(base);
    log(`first load: ${(size.jsCssGzip / 1024).toFixed(1)} KiB of gzipped JS and CSS`);
    await seed(base);
    const browserFigures = await inBrowser(base);
    const result = { ...size, budgetBytes: BUDGET_BYTES, withinBudget: size.jsCssGzip <= BUDGET_BYTES, ...browserFigures, bigConversation: BIG_CONVERSATION, conversations: CONVERSATIONS };
    printTable(result);
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(join(ROOT, "bench/results", `web-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}.json`), JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
  } finally {
    server.kill();
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function announcedPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const decoder = new TextDecoder();
  let seen = "";
  for await (const chunk of stdout) {
    seen += decoder.decode(chunk, { stream: true });
    const match = /Server starting on :(\d+)/.exec(seen);
    if (match) return Number(match[1]);
  }
  throw new Error(`chat-server exited: ${seen}`);
}

/** What a first visit downloads, compressed as the server sends it. */
async function firstLoadSize(base: string) {
  const gzipped = async (path: string) => (await (await fetch(`${base}${path}`, { headers: { "accept-encoding": "gzip" }, decompress: false } as RequestInit)).arrayBuffer()).byteLength;
  const html = await (await fetch(base)).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/chunk-[\w-]+\.(js|css))"/g)].map((match) => ({ path: match[1]!, kind: match[2]! }));
  let js = 0;
  let css = 0;
  for (const asset of assets) {
    const bytes = await gzipped(asset.path);
    if (asset.kind === "js") js += bytes;
    else css += bytes;
  }
  return { htmlGzip: await gzipped("/"), jsGzip: js, cssGzip: css, jsCssGzip: js + css };
}

async function post(base: string, path: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A bearer socket that said hello; `sendAll` pipelines messages and resolves once all are stored. */
async function chatSocket(base: string, token: string) {
  const socket = new WebSocket(`${base.replace("http", "ws")}/ws`, { headers: { authorization: `Bearer ${token}` } } as any);
  const waiting = new Map<string, () => void>();
  let ready: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  socket.onmessage = (event) => {
    const frame = JSON.parse(String(event.data));
    if (frame.type === "ready") ready();
    if (frame.type === "sent") waiting.get(frame.id)?.();
    if (frame.type === "error") throw new Error(`refused: ${frame.message}`);
  };
  await new Promise((resolve) => (socket.onopen = resolve));
  socket.send(JSON.stringify({ type: "hello", id: "h" }));
  await isReady;
  return {
    async sendAll(to: string, count: number, text: (index: number) => string) {
      const window = 2000;
      for (let start = 0; start < count; start += window) {
        const stored: Promise<void>[] = [];
        for (let index = start; index < Math.min(count, start + window); index++) {
          const id = `b-${index}-${Math.random().toString(36).slice(2, 8)}`;
          stored.push(new Promise((resolve) => waiting.set(id, resolve)));
          socket.send(JSON.stringify({ type: "send", id, to, text: text(index) }));
        }
        await Promise.all(stored);
      }
    },
    close: () => socket.close(),
  };
}

const LINES = ["Are we still on for tomorrow?", "Sure, see you at ten.", "I pushed the fix, the tests are green now 🎉", "Could you have a look at the report before lunch? It is long, so no hurry: a quick read of the summary is enough for now.", "ok"];

async function seed(base: string): Promise<void> {
  const started = performance.now();
  await post(base, "/api/register", { name: "reader", password: PASSWORD });
  for (let index = 0; index < CONVERSATIONS; index++) {
    const name = `friend${String(index).padStart(2, "0")}`;
    const { token } = await post(base, "/api/register", { name, password: PASSWORD });
    const socket = await chatSocket(base, token);
    await socket.sendAll("reader", index === 0 ? BIG_CONVERSATION : 1 + (index % 3), (n) => `${LINES[n % LINES.length]} (${n + 1})`);
    socket.close();
  }
  log(`seeded ${CONVERSATIONS} conversations, one of ${BIG_CONVERSATION} messages, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function inBrowser(base: string) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto("/");
    await page.getByLabel("Name", { exact: true }).fill("reader");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();

    // Navigation to a usable chat list: every row there and the page idle enough to take a click.
    const listMs: number[] = [];
    for (let load = 0; load < LIST_LOADS; load++) {
      await page.goto("/");
      listMs.push(
        await page.evaluate(
          (count) =>
            new Promise<number>((resolve) => {
              const check = () => {
                if (document.querySelectorAll(".chats li button").length >= count) requestAnimationFrame(() => resolve(performance.now()));
                else requestAnimationFrame(check);
              };
              check();
            }),
          CONVERSATIONS,
        ),
      );
    }
    listMs.sort((a, b) => a - b);

    // Scroll up through the big conversation as fast as a flick, loading older pages as it goes.
    await page.getByRole("button", { name: /^friend00/ }).click();
    await page.locator(".messages article").first().waitFor();
    await page.waitForTimeout(500);
    const scroll = await page.evaluate(
      (seconds) =>
        new Promise<{ frames: number; seconds: number; slowFrames: number; worstFrameMs: number; longTasks: number; longTaskMs: number; loaded: number; maxRows: number }>((resolve) => {
          const messages = document.querySelector(".messages");
          let longTasks = 0;
          let longTaskMs = 0;
          const observer = new PerformanceObserver((list) => {
            for (const entry of list.getEntries() as Array<{ duration: number }>) {
              longTasks += 1;
              longTaskMs += entry.duration;
            }
          });
          observer.observe({ type: "longtask" as any, buffered: false });
          const started = performance.now();
          let last = started;
          let frames = 0;
          let slowFrames = 0;
          let worst = 0;
          let maxRows = 0;
          const step = (now: number) => {
            const gap = now - last;
            last = now;
            if (frames > 0) {
              worst = Math.max(worst, gap);
              if (gap > 1000 / 30) slowFrames += 1;
            }
            frames += 1;
            maxRows = Math.max(maxRows, messages.querySelectorAll("article").length);
            messages.scrollTop = Math.max(0, messages.scrollTop - 60);
            if (now - started < seconds * 1000) return requestAnimationFrame(step);
            observer.disconnect();
            const app = (window as any).chatApp;
            resolve({ frames, seconds: (now - started) / 1000, slowFrames, worstFrameMs: worst, longTasks, longTaskMs, loaded: app.open.value.items.value.length, maxRows });
          };
          requestAnimationFrame(step);
        }),
      SCROLL_SECONDS,
    );
    // The same, with the whole conversation in memory: 100,000 rows in the model, a screenful in the DOM.
    // (Made in the page from the loaded messages: fetching 2,000 pages would measure the network instead.)
    const whole = await page.evaluate(
      ({ count, seconds }) =>
        new Promise<{ fillMs: number; frames: number; seconds: number; slowFrames: number; worstFrameMs: number; maxRows: number }>((resolve) => {
          const view = (window as any).chatApp.open.value;
          const template = view.items.value.find((item: any) => item.kind === "message");
          const items = Array.from({ length: count }, (_, index) => ({ ...template, key: `x${index}`, seq: index + 1, id: `x${index}`, text: `${index % 7 === 0 ? "A longer line that wraps, to give the rows different heights: " : ""}message ${index + 1}`, ts: template.ts - (count - index) * 1000 }));
          const messages = document.querySelector(".messages");
          const filled = performance.now();
          view.hasOlder.value = false;
          view.items.value = items;
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const fillMs = performance.now() - filled;
              messages.scrollTop = messages.scrollHeight;
              const started = performance.now();
              let last = started;
              let frames = 0;
              let slowFrames = 0;
              let worst = 0;
              let maxRows = 0;
              const step = (now: number) => {
                if (frames > 0) {
                  worst = Math.max(worst, now - last);
                  if (now - last > 1000 / 30) slowFrames += 1;
                }
                last = now;
                frames += 1;
                maxRows = Math.max(maxRows, messages.querySelectorAll("article").length);
                messages.scrollTop = Math.max(0, messages.scrollTop - 400);
                if (now - started < seconds * 1000) return requestAnimationFrame(step);
                resolve({ fillMs, frames, seconds: (now - started) / 1000, slowFrames, worstFrameMs: worst, maxRows });
              };
              requestAnimationFrame(step);
            }),
          );
        }),
      { count: BIG_CONVERSATION, seconds: SCROLL_SECONDS / 2 },
    );
    return {
      wholeFillMs: Math.round(whole.fillMs),
      wholeScrollFps: Math.round((whole.frames / whole.seconds) * 10) / 10,
      wholeSlowFrames: whole.slowFrames,
      wholeWorstFrameMs: Math.round(whole.worstFrameMs),
      wholeMaxRenderedRows: whole.maxRows,
      chatListMedianMs: Math.round(listMs[Math.floor(listMs.length / 2)]!),
      chatListWorstMs: Math.round(listMs.at(-1)!),
      scrollFps: Math.round((scroll.frames / scroll.seconds) * 10) / 10,
      scrollSlowFrames: scroll.slowFrames,
      scrollWorstFrameMs: Math.round(scroll.worstFrameMs),
      scrollLongTasks: scroll.longTasks,
      scrollLongTaskMs: Math.round(scroll.longTaskMs),
      scrollMessagesLoaded: scroll.loaded,
      scrollMaxRenderedRows: scroll.maxRows,
    };
  } finally {
    await browser.close();
  }
}

function printTable(result: Record<string, unknown>): void {
  const rows: Array<[string, string]> = [
    ["first load, gzipped JS + CSS", `${((result.jsCssGzip as number) / 1024).toFixed(1)} KiB (JS ${((result.jsGzip as number) / 1024).toFixed(1)}, CSS ${((result.cssGzip as number) / 1024).toFixed(1)}; HTML ${((result.htmlGzip as number) / 1024).toFixed(1)}) of ${BUDGET_BYTES / 1024} KiB`],
    [`navigation to a usable list of ${CONVERSATIONS} chats`, `median ${result.chatListMedianMs} ms, worst ${result.chatListWorstMs} ms (${LIST_LOADS} loads)`],
    [`scrolling up a ${BIG_CONVERSATION}-message chat`, `${result.scrollFps} frames/s over ${SCROLL_SECONDS} s; ${result.scrollSlowFrames} frames over 33 ms (worst ${result.scrollWorstFrameMs} ms); ${result.scrollLongTasks} long tasks (${result.scrollLongTaskMs} ms)`],
    ["  while scrolling", `${result.scrollMessagesLoaded} messages loaded, at most ${result.scrollMaxRenderedRows} rendered at once`],
    [`all ${BIG_CONVERSATION} messages in memory`, `shown in ${result.wholeFillMs} ms; scrolling 24,000 px/s: ${result.wholeScrollFps} frames/s, ${result.wholeSlowFrames} frames over 33 ms (worst ${result.wholeWorstFrameMs} ms), at most ${result.wholeMaxRenderedRows} rows rendered`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.error(`${name.padEnd(width)}  ${value}`);
}

await main();
