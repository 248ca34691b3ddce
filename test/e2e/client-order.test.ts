/**
 * The compiled client in script mode through a store outage: 100 lines piped
 * into ./chat-client while PostgreSQL is stopped and started again are all
 * stored once, in the order typed, and no refusal is shown as an error.
 */
import { describe, expect, test } from "bun:test";
import { startThrowawayPostgres } from "../helpers/throwaway-postgres.ts";
import { runClient, scriptSuite } from "./support.ts";

const { dir, client, server } = scriptSuite();

describe("chat-client in script mode through a PostgreSQL outage", () => {
  test("100 piped lines, PostgreSQL stopped and started in the middle: each stored once, in order, no error lines", async () => {
    const postgres = await startThrowawayPostgres();
    try {
      const chat = await server(dir("chat-e2e-data-"), undefined, ["--database-url", postgres.url, "--database-schema", "chat_order"]);
      const bobHome = dir("chat-e2e-bob-");
      expect((await runClient("bob", { server: chat, configHome: bobHome }, [])).code).toBe(0); // registers bob

      const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`);
      const alice = client("alice", { server: chat, configHome: dir("chat-e2e-alice-") }, ["--receipts"]);
      await alice.stderr.line("connected");
      const acks = () => alice.stdout.lines.filter((line) => line.startsWith("receipt sent ")).length;
      alice.type(...lines.slice(0, 30).map((line) => `bob ${line}`));
      await alice.stdout.line("receipt sent bob 1 ");
      await postgres.stop();
      alice.type(...lines.slice(30, 80).map((line) => `bob ${line}`));
      await postgres.start();
      // The client resends what was refused once PostgreSQL is back; the last lines follow.
      await alice.stdout.line(/^receipt sent bob 80 /, 30_000);
      alice.type(...lines.slice(80).map((line) => `bob ${line}`));
      expect(await alice.finish()).toBe(0);
      const bob = await runClient("bob", { server: chat, configHome: bobHome }, []);
      expect(bob.stdout).toEqual(lines.map((line) => `[alice]: ${line}`));
      expect(acks()).toBe(100);
      // Refusals the client retries (the store away, a rate) are no errors to show.
      expect(alice.stderr.lines.filter((line) => !line.startsWith("connected"))).toEqual([]);
    } finally {
      await postgres.destroy();
    }
  }, 90_000);
});
