import type { Store } from "../store.ts";
import { openSqliteConnection } from "./index.ts";
import { type FromWriter, type ToWriter, WRITE_METHODS, type WriteMethod } from "./writer-protocol.ts";

const WRITES = new Set<string>(WRITE_METHODS);

/**
 * The writer thread's module. Inside the compiled ./chat-server it is a second
 * entry point (package.json's build:server), embedded under its path from src/.
 */
function writerThreadModule(): string {
  const compiled = import.meta.url.startsWith("file:///$bunfs/");
  return compiled ? "./store/sqlite/writer-thread.ts" : new URL("./writer-thread.ts", import.meta.url).href;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The SQLite store the server uses: one writing connection on a thread of its
 * own, one read-only connection here. A batch's inserts and its commit (an
 * fsync, a quarter of a millisecond or more) no longer stop frame handling;
 * WAL lets this thread read beside the writer, and sees every write whose
 * promise has resolved. `ping` asks both.
 */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  // smol: a small heap collected often; the thread holds nothing but a batch in transit.
  const writer = new Worker(writerThreadModule(), { smol: true });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: Error | undefined;
  let whenOpened: Pending | undefined;
  let whenClosed: (() => void) | undefined;

  const stop = (error: Error) => {
    stopped ??= error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
    whenOpened?.reject(error);
  };
  writer.onerror = (event) => stop(new Error(`The SQLite writer thread failed: ${event.message}`));
  writer.onmessage = ({ data: message }: MessageEvent<FromWriter>) => {
    switch (message.type) {
      case "opened":
        return whenOpened?.resolve(undefined);
      case "result":
        pending.get(message.id)?.resolve(message.valueJson === undefined ? undefined : JSON.parse(message.valueJson));
        pending.delete(message.id);
        return;
      case "failed":
        if (message.id === null) return whenOpened?.reject(new Error(message.message));
        pending.get(message.id)?.reject(new Error(message.message));
        pending.delete(message.id);
        return;
      case "closed":
        return whenClosed?.();
    }
  };
  const post = (message: ToWriter) => writer.postMessage(message);

  try {
    await new Promise((resolve, reject) => {
      whenOpened = { resolve, reject };
      post({ type: "open", dataDir });
    });
  } catch (error) {
    writer.terminate();
    throw error;
  }
  // The writer has created and migrated the file; only now can a read-only connection open it.
  const reader = openSqliteConnection(dataDir, "read-only");

  const write = (method: WriteMethod, args: unknown[]): Promise<unknown> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post({ type: "call", id, method, argsJson: JSON.stringify(args) });
    });
  };

  const store = {} as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
  for (const method of Object.keys(reader) as Array<keyof Store>) {
    store[method] = WRITES.has(method)
      ? (...args) => write(method as WriteMethod, args)
      : (reader[method] as (...args: unknown[]) => Promise<unknown>).bind(reader);
  }
  store.ping = async () => {
    await reader.ping();
    await write("ping", []);
  };
  store.close = async () => {
    if (!stopped) {
      await new Promise<void>((resolve) => {
        whenClosed = resolve;
        post({ type: "close" });
      });
      stop(new Error("The SQLite store is closed."));
    }
    writer.terminate();
    await reader.close();
  };
  return store as unknown as Store;
}
