import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Session } from "../../src/protocol/index.ts";
import { SdkDevice } from "../helpers/sdk-device.ts";
import { startServerProcess, type ServerProcess } from "../helpers/server-process.ts";
import { loginUser, registerUser } from "../helpers/server.ts";

const SENDERS = ["alice", "carol", "dave"];
const BURST = 200;
/** Acknowledgements seen before the server is killed: some of the burst, never all of it. */
const ACKED_BEFORE_CRASH = 150;
const DRAIN_MS = 15_000;

const dirs: string[] = [];
const servers: ServerProcess[] = [];
const devices: SdkDevice[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** The real server as a child process, without rate limits so the burst is not slowed down. */
async function startServer(dataDir: string, port?: number): Promise<ServerProcess> {
  const server = await startServerProcess(["--data", dataDir, "--user-message-rate", "0", "--connection-frame-rate", "0"], {}, port);
  servers.push(server);
  return server;
}

/** A device of `session`'s user with its own session and state files in a directory of its own. */
function device(server: { url: string }, session: Session): SdkDevice {
  const created = new SdkDevice(server, tempDir("chat-crash-client-"), session.user, session.token);
  devices.push(created);
  return created;
}

/** Resolves with `promise`, or fails naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Lets the event loop turn, so the burst goes out as many outbox commits and frames rather than one. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(async () => {
  await Promise.all(devices.splice(0).map((each) => each.stop()));
  await Promise.all(servers.splice(0).map((each) => each.stop("SIGKILL")));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test(
  "kill -9 during a burst from several clients: every acked message arrives exactly once, unacked ones are resent without duplicates, in send order",
  async () => {
    const dataDir = tempDir("chat-crash-data-");
    const first = await startServer(dataDir);
    const port = first.port;
    const bob = await registerUser(first, "bob", undefined, "laptop");
    const bobPhone = await loginUser(first, "bob", undefined, "phone");
    const senderSessions = await Promise.all(SENDERS.map((name) => registerUser(first, name)));
    const receivers = await Promise.all([device(first, bob).ready(), device(first, bobPhone).ready()]);
    const senders = await Promise.all(senderSessions.map((session) => device(first, session).ready()));

    // The crash: kill -9 from inside the ack handler, at the moment the threshold is reached.
    const ackedBeforeCrash = new Map<string, number>(); // message id -> seq in the ack
    const crash = Promise.withResolvers<void>();
    for (const sender of senders) {
      sender.connection.on("stored", ({ entry, seq }) => {
        if (ackedBeforeCrash.size === ACKED_BEFORE_CRASH) return;
        ackedBeforeCrash.set(entry.id, seq);
        if (ackedBeforeCrash.size < ACKED_BEFORE_CRASH) return;
        void first.stop("SIGKILL");
        crash.resolve();
      });
    }

    const texts = (sender: string) => Array.from({ length: BURST }, (_, index) => `${sender} #${index}`);
    const typing = senders.map(async (sender) => {
      for (const [index, text] of texts(sender.connection.user).entries()) {
        sender.connection.send("bob", text);
        if (index % 10 === 9) await nextTurn();
      }
    });
    await within(crash.promise, DRAIN_MS, `${ACKED_BEFORE_CRASH} acknowledgements`);
    await Promise.all(typing);
    const unackedAtCrash = senders.reduce((sum, sender) => sum + sender.connection.outbox.length, 0);
    expect(unackedAtCrash).toBeGreaterThan(0);
    await Promise.all(senders.map((sender) => sender.until(() => !sender.isReady, "the sender noticing the crash")));

    await startServer(dataDir, port);
    const drained = await Promise.all(senders.map((sender) => sender.connection.waitForOutbox(DRAIN_MS)));
    expect(drained).toEqual(senders.map(() => true));

    // A marker sent after the drain arrives after anything stored before it, so a duplicate would show up first.
    for (const sender of senders) sender.connection.send("bob", `${sender.connection.user} done`);
    for (const receiver of receivers) {
      await receiver.until(
        () => SENDERS.every((name) => receiver.texts.includes(`${name} done`)),
        `every sender's marker on bob's ${receiver.connection.state.data.session?.deviceName ?? "device"}`,
        DRAIN_MS,
      );
    }

    for (const receiver of receivers) {
      for (const sender of SENDERS) {
        const fromSender = receiver.messages.filter((message) => message.from === sender).map((message) => message.text);
        expect(fromSender).toEqual([...texts(sender), `${sender} done`]); // all, once each, in send order
      }
      // An ack before the crash is a promise: that message was stored with that sequence number.
      const seqById = new Map(receiver.messages.map((message) => [message.id, message.seq]));
      for (const [id, seq] of ackedBeforeCrash) expect(seqById.get(id)).toBe(seq);
    }
  },
  30_000,
);
