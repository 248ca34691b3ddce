/**
 * The SQLite writer thread: the one connection that writes, so inserts and the
 * commit's fsync run beside the server's thread instead of stopping it.
 */
import type { Store } from "../store.ts";
import { openSqliteConnection } from "./index.ts";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";

declare const self: Worker;

let store: Store | undefined;
const reply = (message: FromWriter) => self.postMessage(message);

self.onmessage = async ({ data: message }: MessageEvent<ToWriter>) => {
  switch (message.type) {
    case "open":
      try {
        store = openSqliteConnection(message.dataDir, "read-write");
        reply({ type: "opened" });
      } catch (error) {
        reply({ type: "failed", id: null, message: describe(error) });
      }
      return;
    case "call":
      try {
        const method = store![message.method] as (...args: unknown[]) => Promise<unknown>;
        const value = await method.apply(store, JSON.parse(message.argsJson));
        reply({ type: "result", id: message.id, valueJson: value === undefined ? undefined : JSON.stringify(value) });
      } catch (error) {
        reply({ type: "failed", id: message.id, message: describe(error) });
      }
      return;
    case "close":
      await store?.close();
      reply({ type: "closed" });
      return;
  }
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
