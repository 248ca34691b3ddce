/**
 * The SQLite writer thread: the one connection that writes, so inserts and the
 * commit's fsync run beside the server's thread instead of stopping it.
 *
 * Calls that arrive while the thread is busy (a commit's fsync takes a millisecond or more) are run
 * together and committed once: messages, delivered and read marks, last-seen times and the rest share
 * one fsync however many queues they come from. Each call still gets its own answer, sent after the commit.
 */
import { openSqliteWriter, type SqliteWriter } from "./index.ts";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";

declare const self: Worker;

type Call = Extract<ToWriter, { type: "call" }>;

let writer: SqliteWriter | undefined;
let waiting: Call[] = [];
let running: Promise<void> | undefined;
const reply = (message: FromWriter) => self.postMessage(message);

self.onmessage = async ({ data: message }: MessageEvent<ToWriter>) => {
  switch (message.type) {
    case "open":
      try {
        writer = openSqliteWriter(message.dataDir);
        reply({ type: "opened" });
      } catch (error) {
        reply({ type: "failed", id: null, message: describe(error) });
      }
      return;
    case "call":
      waiting.push(message);
      // setImmediate, not a microtask: every call already queued for this thread joins the batch.
      running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(runWaiting);
      return;
    case "close":
      await running;
      await writer?.store.close();
      reply({ type: "closed" });
      return;
  }
};

async function runWaiting(): Promise<void> {
  const calls = waiting;
  waiting = [];
  const outcomes = await writer!.commitTogether(
    calls.map(({ method, argsJson }) => () => (writer!.store[method] as (...args: unknown[]) => Promise<unknown>).apply(writer!.store, JSON.parse(argsJson))),
  );
  outcomes.forEach((outcome, index) => {
    const { id } = calls[index]!;
    if (outcome.ok) reply({ type: "result", id, valueJson: outcome.value === undefined ? undefined : JSON.stringify(outcome.value) });
    else reply({ type: "failed", id, message: describe(outcome.error) });
  });
  running = undefined;
  // Calls that came while this batch committed go next, as one batch.
  if (waiting.length > 0) running = new Promise<void>((resolve) => setImmediate(resolve)).then(runWaiting);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
