import { describe, expect, test } from "bun:test";
import type { ServerFrame } from "../../src/protocol/index.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";

const presenceOf = (user: string, online?: boolean) => (frame: ServerFrame) =>
  frame.type === "presence" && frame.user === user && (online === undefined || frame.online === online);

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    /**
     * alice and bob online, strangers to each other, and done announcing themselves: carol, whom both
     * know, has heard each come online, so the presence they publish on connecting is behind them.
     */
    async function strangersOnline() {
      const { connect } = await deploymentWithUsers(kind, ["alice", "bob", "carol"], defer, { presenceSettleMs: 100 });
      const carol = await connect("carol");
      await carol.sendMessage("alice", "hi alice");
      await carol.sendMessage("bob", "hi bob");
      const [alice, bob] = await Promise.all([connect("alice"), connect("bob")]);
      await carol.next(presenceOf("alice", true));
      await carol.next(presenceOf("bob", true));
      expect(alice.pending().filter(presenceOf("bob"))).toEqual([]);
      expect(bob.pending().filter(presenceOf("alice"))).toEqual([]);
      return { alice, bob };
    }

    test("two people who never talked learn each other's presence from their first message, both sides, without reconnecting", async () => {
      const { alice, bob } = await strangersOnline();
      await alice.sendMessage("bob", "hello, we have not met");
      expect(await bob.next(presenceOf("alice"))).toMatchObject({ online: true });
      expect(await alice.next(presenceOf("bob"))).toMatchObject({ online: true });
    });

    test("only the first message of a direct conversation introduces: later ones send no presence", async () => {
      const { alice, bob } = await strangersOnline();
      await alice.sendMessage("bob", "first");
      await alice.next(presenceOf("bob"));
      await alice.sendMessage("bob", "second");
      await bob.sendMessage("alice", "marker");
      await alice.next((frame) => frame.type === "message" && frame.text === "marker");
      expect(alice.pending().filter(presenceOf("bob"))).toEqual([]);
    });
  });
}
