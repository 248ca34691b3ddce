import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { loginUser, registerUser } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";
import type { Session } from "../../src/protocol/index.ts";
import { DEPLOYMENT_KINDS, type Deployment } from "../helpers/deployments.ts";

for (const kind of DEPLOYMENT_KINDS) {
describe(kind.name, () => {
  let server: Deployment;
  let alice: Session;
  let bob: Session;
  const sockets: TestSocket[] = [];

  /** A device that is up to date: earlier tests' messages were processed. */
  async function connect(session: Session): Promise<TestSocket> {
    const socket = await TestSocket.connectCaughtUp(server.wsUrl, session.token);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    server = await kind.start();
    alice = await registerUser(server, "alice");
    bob = await registerUser(server, "bob");
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });
  afterAll(() => server.cleanup());

  describe("one-to-one chat", () => {
    test("alice's message reaches bob as sent by alice, and alice gets a stored ack", async () => {
      const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
      const sent = await aliceSocket.sendMessage("bob", "Hello Bob, how are you?");
      const message = await bobSocket.nextMessage();
      expect(message).toMatchObject({ from: "alice", to: "bob", text: "Hello Bob, how are you?", conv: sent.conv, seq: sent.seq, id: sent.id });
    });

    test("every device of bob gets the message; alice's other device gets her copy, the sending one does not", async () => {
      const bobPhone = await loginUser(server, "bob", undefined, "phone");
      const alicePhone = await loginUser(server, "alice", undefined, "phone");
      const [aliceLaptop, alicePhoneSocket, bobLaptop, bobPhoneSocket] = await Promise.all([
        connect(alice),
        connect(alicePhone),
        connect(bob),
        connect(bobPhone),
      ]);
      const sent = await aliceLaptop.sendMessage("bob", "to all your devices");
      for (const socket of [bobLaptop, bobPhoneSocket, alicePhoneSocket]) {
        expect(await socket.nextMessage()).toMatchObject({ from: "alice", to: "bob", text: "to all your devices", seq: sent.seq });
      }
      // A later message proves the sender's own socket saw no copy of the first.
      await bobLaptop.sendMessage("alice", "marker");
      expect(await aliceLaptop.nextMessage()).toMatchObject({ from: "bob", text: "marker" });
    });

    test("the sender is the authenticated user, whatever the frame claims", async () => {
      const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
      aliceSocket.send({ type: "send", id: "forged-1", to: "bob", text: "who am I?", from: "mallory", sender: "mallory" });
      expect(await bobSocket.nextMessage()).toMatchObject({ from: "alice", text: "who am I?" });
    });

    test("a message to a name that does not exist is answered with an error naming it", async () => {
      const aliceSocket = await connect(alice);
      aliceSocket.send({ type: "send", id: "to-nobody", to: "nobody", text: "hello?" });
      const error = await aliceSocket.next((frame) => frame.type === "error");
      expect(error).toMatchObject({ type: "error", id: "to-nobody", code: "unknown_user" });
      expect((error as { message: string }).message).toContain("nobody");
    });

    test("bad frames get typed errors and the connection stays usable", async () => {
      const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
      const badFrames: Array<[unknown, string]> = [
        ["{not json", "bad_request"],
        [{ type: "send", id: "no-text", to: "bob" }, "bad_request"],
        [{ type: "launch-missiles" }, "bad_request"],
        [{ type: "send", id: "big", to: "bob", text: "x".repeat(70_000) }, "frame_too_large"],
        [{ type: "send", id: "long", to: "bob", text: "y".repeat(5000) }, "text_too_long"],
        [{ type: "hello", id: "again" }, "bad_request"],
      ];
      for (const [frame, code] of badFrames) {
        aliceSocket.send(frame);
        expect(await aliceSocket.next((f) => f.type === "error")).toMatchObject({ code });
      }
      aliceSocket.ws.send(new Uint8Array([1, 2, 3]));
      expect(await aliceSocket.next((f) => f.type === "error")).toMatchObject({ code: "bad_request" });
      const invalid = await (async () => {
        aliceSocket.send({ type: "send", id: "no-text-2", to: "bob" });
        return aliceSocket.next((f) => f.type === "error");
      })();
      expect(invalid).toMatchObject({ id: "no-text-2" });

      await aliceSocket.sendMessage("bob", "still here");
      expect(await bobSocket.nextMessage()).toMatchObject({ text: "still here" });
    });

    test("frames before hello are refused until hello", async () => {
      const socket = await TestSocket.open(server.wsUrl, alice.token);
      sockets.push(socket);
      socket.send({ type: "send", id: "early", to: "bob", text: "too early" });
      expect(await socket.next((f) => f.type === "error")).toMatchObject({ id: "early", code: "not_ready" });
      await socket.hello();
      await socket.sendMessage("bob", "now it works");
    });

    test("a second login of the same user adds a device and leaves the first connected", async () => {
      const first = await connect(alice);
      const again = await loginUser(server, "alice");
      await connect(again);
      const bobSocket = await connect(bob);
      await bobSocket.sendMessage("alice", "both of you");
      expect(await first.nextMessage()).toMatchObject({ text: "both of you" });
    });
  });
});
}
