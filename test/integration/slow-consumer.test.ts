import { describe, expect, test } from "bun:test";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { rmSync } from "node:fs";
import type { ServerFrame } from "../../src/protocol/index.ts";
import { RawWebSocket } from "../helpers/raw-websocket.ts";
import { startServerProcess } from "../helpers/server-process.ts";
import { registerUser, tempDir } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";
import { scrapeMetrics } from "../helpers/metrics.ts";

const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * In `bun test` the flood is 16 MB, sixteen times the limit: enough to see the cut-off and the
 * lossless catch-up. The soak (bench/README.md, SOAK_SCALE=5) runs it five times larger (80 MB) and checks memory too.
 */
const SOAK_SCALE = Number(process.env.SOAK_SCALE ?? 1);
const MESSAGES = 4_000 * SOAK_SCALE;
const TEXT_LENGTH = 4000;
const WINDOW = 200;

const defer = cleanupAfterEach();

type Message = Extract<ServerFrame, { type: "message" }>;
const textOf = (n: number) => `${String(n).padStart(6, "0")} ${"x".repeat(TEXT_LENGTH - 7)}`;

describe("slow consumer", () => {
  test("a client that stops reading is cut off at the backpressure limit, memory stays bounded, others are served, and it catches up losslessly", async () => {
    const dataDir = tempDir();
    defer(() => rmSync(dataDir, { recursive: true, force: true }));
    // Its own process, so its memory is the server's alone. Rate limits would pace the flood: they are not the subject.
    const server = await startServerProcess(
      ["--data", dataDir, "--max-buffered-bytes", String(MAX_BUFFERED_BYTES), "--user-message-rate", "0", "--connection-frame-rate", "0"],
      { DATABASE_URL: "", REDIS_URL: "" },
    );
    defer(() => server.stop());
    const alice = await registerUser(server, "alice");
    const bob = await registerUser(server, "bob");
    const carol = await registerUser(server, "carol");

    const slowBob = await RawWebSocket.open(server.wsUrl, bob.token);
    defer(() => slowBob.destroy());
    slowBob.send({ type: "hello", id: "h1" });
    await slowBob.waitFor((frame) => frame.type === "ready");
    slowBob.stopReading();
    const aliceSocket = await TestSocket.connect(server.wsUrl, alice.token);
    const carolSocket = await TestSocket.connect(server.wsUrl, carol.token);
    defer(() => aliceSocket.close());
    defer(() => carolSocket.close());

    const baseline = (await scrapeMetrics(server)).get("process_resident_memory_bytes")!;
    let peakMemory = baseline;
    let peakBuffered = 0;
    let carolGot = 0;
    for (let sent = 0; sent < MESSAGES; sent += WINDOW) {
      await Promise.all(Array.from({ length: WINDOW }, (_, i) => aliceSocket.sendMessage("bob", textOf(sent + i + 1))));
      // Meanwhile carol chats with alice as if nothing happened.
      await aliceSocket.sendMessage("carol", `still there? ${sent}`);
      expect((await carolSocket.nextMessage()).text).toBe(`still there? ${sent}`);
      carolGot += 1;
      const metrics = await scrapeMetrics(server);
      peakMemory = Math.max(peakMemory, metrics.get("process_resident_memory_bytes")!);
      peakBuffered = Math.max(peakBuffered, metrics.get("chat_buffered_bytes")!);
    }
    const after = await scrapeMetrics(server);
    const pushedMB = (MESSAGES * TEXT_LENGTH) / 1e6;
    const growthMB = (peakMemory - baseline) / 1e6;
    console.log(
      `slow consumer: ${pushedMB.toFixed(0)} MB sent to a client that does not read; server RSS ${(baseline / 1e6).toFixed(0)} MB -> peak ${(peakMemory / 1e6).toFixed(0)} MB (+${growthMB.toFixed(1)} MB); peak queued ${(peakBuffered / 1e6).toFixed(2)} MB`,
    );
    expect(carolGot).toBe(MESSAGES / WINDOW);
    // Bob was disconnected: only alice and carol are left.
    expect(after.get("chat_connections")).toBe(2);
    expect(peakBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 64 * 1024);
    // Had the server kept everything for bob, it would hold the whole flood. What it does hold is garbage
    // not yet collected: each text passes through the server thread and the SQLite writer thread's heaps
    // (measured growth 5-22 MB over runs of 80 MB), well under half the flood. Memory is the soak's to judge.
    if (SOAK_SCALE >= 5) expect(growthMB).toBeLessThan(pushedMB / 2);

    // Bob reads again: what the kernel held arrives, then the hang-up, without a close frame (docs/protocol.md says why).
    slowBob.resumeReading();
    await slowBob.closed(10_000);
    expect(slowBob.closeCode()).toBeUndefined();
    const early = slowBob.received.filter((frame): frame is Message => frame.type === "message");
    expect(early.map((message) => message.seq)).toEqual(early.map((_, index) => index + 1));
    expect(early.length).toBeLessThan(MESSAGES);
    console.log(`slow consumer: bob had ${early.length} messages when he was cut off`);

    // He reconnects with the cursor of what he processed and gets exactly the rest.
    const conv = early[0]?.conv;
    const bobAgain = await TestSocket.connect(server.wsUrl, bob.token, conv === undefined ? undefined : { [conv]: early.length });
    defer(() => bobAgain.close());
    const rest = bobAgain.pending().filter((frame): frame is Message => frame.type === "message");
    const all = [...early, ...rest];
    expect(all.length).toBe(MESSAGES);
    const wrong = all.findIndex((message, index) => message.seq !== index + 1 || message.text !== textOf(index + 1));
    expect(wrong).toBe(-1);
  }, 120_000);
});
