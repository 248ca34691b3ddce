import { makeContacts } from "../helpers/deployments.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { RawWebSocket } from "../helpers/raw-websocket.ts";
import { TestSocket } from "../helpers/socket.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}

describe("dead connections", () => {
  test("a client that stops answering pings is closed within the bound and shown offline, even while messages keep coming for it", async () => {
    // Bob sends as fast as acks come back, which the rate limits would slow down: they are not the subject here.
    const server = await startTestServer({ config: { deadAfterSeconds: 1, userMessageRate: 0, connectionFrameRate: 0 } });
    cleanups.push(() => server.cleanup());
    const alice = await registerUser(server, "alice");
    const bob = await registerUser(server, "bob");
    await makeContacts(server, alice, bob);
    const bobSocket = await TestSocket.connectCaughtUp(server.wsUrl, bob.token);
    cleanups.push(() => bobSocket.close());
    await bobSocket.sendMessage("alice", "we are contacts, so I see your presence");

    // Alice's device: it completes hello, then behaves like a laptop whose lid closed (no pongs, no frames).
    const deadAlice = await RawWebSocket.open(server.wsUrl, alice.token, { answerPings: false });
    cleanups.push(() => deadAlice.destroy());
    deadAlice.send({ type: "hello", id: "h1" });
    await deadAlice.waitFor((frame) => frame.type === "ready");
    await bobSocket.next((frame) => frame.type === "presence" && frame.user === "alice" && frame.online);

    // Sending to a client restarts Bun's own idle timer; the heartbeat must still find it dead.
    const sentWhileDead: string[] = [];
    const sending = (async () => {
      while (!deadAlice.isClosed) {
        const text = `are you there? #${sentWhileDead.length + 1}`;
        await bobSocket.sendMessage("alice", text);
        sentWhileDead.push(text);
      }
    })();
    // A 1 s limit closes within 1 s plus one ping interval; the wait below bounds the whole thing.
    await deadAlice.closed(4000);
    await sending;
    expect(deadAlice.frames.some((frame) => frame.opcode === 0x9)).toBe(true);
    expect(await bobSocket.next((frame) => frame.type === "presence" && frame.user === "alice" && !frame.online)).toMatchObject({ online: false });
    expect(await metric(server, "chat_connections")).toBe(1);

    // Nothing sent meanwhile is lost: a healthy reconnect replays it all.
    const aliceAgain = await TestSocket.connect(server.wsUrl, alice.token);
    cleanups.push(() => aliceAgain.close());
    const replayed = aliceAgain.pending().flatMap((frame) => (frame.type === "message" ? [frame.text] : []));
    expect(replayed).toEqual(["we are contacts, so I see your presence", ...sentWhileDead]);
  });

  test("a client that answers pings stays connected through many ping rounds", async () => {
    const server = await startTestServer({ config: { deadAfterSeconds: 1 } });
    cleanups.push(() => server.cleanup());
    const alice = await registerUser(server, "alice");
    const quietAlice = await RawWebSocket.open(server.wsUrl, alice.token, { answerPings: true });
    cleanups.push(() => quietAlice.destroy());
    // Five pings, each answered: well past the 1 s limit, with nothing from alice but pongs.
    const pings = () => quietAlice.frames.filter((frame) => frame.opcode === 0x9).length;
    await quietAlice.until(() => pings() >= 5 || quietAlice.isClosed, 5000, () => `${pings()} of 5 pings`);
    expect(quietAlice.isClosed).toBe(false);
  });
});
