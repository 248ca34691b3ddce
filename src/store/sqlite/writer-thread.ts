/**
 * The SQLite writer thread: the one connection that writes, so inserts and the
 * commit's fsync run beside the server's thread instead of stopping it.
 *
 * Every call waiting when the thread is free (those that came while it committed: a commit's fsync
 * takes a millisecond or more) runs in one transaction, committed once: messages, delivered and read
 * marks, last-seen times and the rest share one fsync, whichever queue they come from. Each call still
 * gets its own answer, after the commit.
 */
import { receiveMessageOnPort } from "node:worker_threads";
import { openSqliteWriter, type SqliteWriter } from "./index.ts";
import type { FromWriter, ToWriter, WriteCall } from "./writer-protocol.ts";

declare const self: Worker;

let writer: SqliteWriter | undefined;
let calls: MessagePort | undefined;
let waiting: WriteCall[] = [];
/** Settles when the batches running now are done; undefined while the thread is free. */
let running: Promise<void> | undefined;
const reply = (message: FromWriter) => self.postMessage(message);

self.onmessage = async ({ data: message }: MessageEvent<ToWriter>) => {
  switch (message.type) {
    case "open":
      try {
        writer = openSqliteWriter(message.dataDir);
        calls = message.calls;
        calls.onmessage = (event) => {
          waiting.push(event.data as WriteCall);
          running ??= runWaiting().finally(() => (running = undefined));
        };
        reply({ type: "opened" });
      } catch (error) {
        reply({ type: "failed", id: null, message: describe(error) });
      }
      return;
    case "close":
      await running;
      await writer?.store.close();
      reply({ type: "closed" });
      return;
  }
};

/** Runs batches until no call waits: each takes every call queued on the port by then. */
async function runWaiting(): Promise<void> {
  for (;;) {
    for (let next = receiveMessageOnPort(calls!); next; next = receiveMessageOnPort(calls!)) waiting.push(next.message as WriteCall);
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    await commitBatch(batch);
  }
}

async function commitBatch(batch: WriteCall[]): Promise<void> {
  const store = writer!.store;
  const outcomes = await writer!.commitTogether(
    batch.map(({ method, argsJson }) => () => (store[method] as (...args: unknown[]) => Promise<unknown>).apply(store, JSON.parse(argsJson))),
  );
  outcomes.forEach((outcome, index) => {
    const { id } = batch[index]!;
    if (outcome.ok) reply({ type: "result", id, valueJson: outcome.value === undefined ? undefined : JSON.stringify(outcome.value) });
    else reply({ type: "failed", id, message: describe(outcome.error) });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
