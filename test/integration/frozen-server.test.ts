/**
 * A server that freezes (SIGSTOP) keeps its connections open and answers
 * nothing. A connected client must notice on its own (it pings, and gives up
 * on a silent connection) and reconnect: to another server behind the same
 * address, or to the same one once it runs again, within 10 seconds.
 */
import { expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { isolatedServerEnvironment } from "../helpers/deployments.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { SdkDevice } from "../helpers/sdk-device.ts";
import { registerUser, tempDir } from "../helpers/server.ts";
import { startServerProcess } from "../helpers/server-process.ts";
import { TestSocket } from "../helpers/socket.ts";

const defer = cleanupAfterEach();
const WITHIN_MS = 10_000;

/** A TCP load balancer in front of the servers: each new connection goes to `target`, which the test moves as a health check would. */
function balancer(firstTarget: number): { port: number; target: number; stop(): void } {
  const state = { target: firstTarget };
  const upstreams = new Set<Socket<unknown>>();
  type Client = { upstream?: Socket<unknown>; early: Uint8Array[] };
  const listener: TCPSocketListener<Client> = Bun.listen<Client>({
    hostname: "127.0.0.1",
    port: 0,
    data: { early: [] } as Client,
    socket: {
      open(client) {
        client.data = { early: [] };
        void Bun.connect({
          hostname: "127.0.0.1",
          port: state.target,
          socket: {
            open(upstream) {
              upstreams.add(upstream);
              client.data.upstream = upstream;
              for (const chunk of client.data.early.splice(0)) upstream.write(chunk);
            },
            data(_upstream, chunk) {
              client.write(chunk);
            },
            close(upstream) {
              upstreams.delete(upstream);
              client.end();
            },
            error() {
              client.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        if (client.data.upstream) client.data.upstream.write(chunk);
        else client.data.early.push(new Uint8Array(chunk));
      },
      close(client) {
        client.data.upstream?.end();
      },
    },
  });
  return {
    port: listener.port,
    get target() {
      return state.target;
    },
    set target(port: number) {
      state.target = port;
    },
    stop() {
      for (const upstream of upstreams) upstream.terminate();
      listener.stop(true);
    },
  };
}

test("a receiving client behind one address notices its server froze and gets the next message through another server within 10 s", async () => {
  const { env, drop } = isolatedServerEnvironment();
  defer(drop);
  const frozen = await startServerProcess([], env);
  defer(() => frozen.stop("SIGKILL"));
  const other = await startServerProcess([], env);
  defer(() => other.stop("SIGKILL"));
  const front = balancer(frozen.port);
  defer(() => front.stop());

  const alice = await registerUser(other, "alice");
  const bob = await registerUser(other, "bob");
  const receiver = await new SdkDevice({ url: `http://127.0.0.1:${front.port}` }, tempDir("chat-frozen-"), "bob", bob.token).ready();
  defer(() => receiver.stop());
  const sender = await TestSocket.connect(other.wsUrl, alice.token);
  defer(() => sender.close());
  await sender.sendMessage("bob", "before");
  await receiver.until(() => receiver.texts.includes("before"), "the first message");

  frozen.signal("SIGSTOP");
  const frozenAt = Date.now();
  front.target = other.port; // the load balancer's health check takes the frozen server out
  await sender.sendMessage("bob", "while the first server is frozen");
  await receiver.until(() => receiver.texts.includes("while the first server is frozen"), "the message through the other server", WITHIN_MS);
  expect(Date.now() - frozenAt).toBeLessThan(WITHIN_MS);
  expect(receiver.statuses.some((status) => status.state === "offline")).toBe(true);
  expect(receiver.texts).toEqual(["before", "while the first server is frozen"]);
}, 30_000);

test("a client of a frozen server goes offline within seconds, and is back as soon as the server runs again", async () => {
  const server = await startServerProcess(["--data", tempDir("chat-frozen-data-")]);
  defer(() => server.stop("SIGKILL"));
  const alice = await registerUser(server, "alice");
  const device = await new SdkDevice(server, tempDir("chat-frozen-"), "alice", alice.token).ready();
  defer(() => device.stop());

  server.signal("SIGSTOP");
  const frozenAt = Date.now();
  await device.until(() => device.statuses.at(-1)?.state !== "ready", "noticing the silence", WITHIN_MS);
  server.signal("SIGCONT");
  await device.until(() => device.isReady, "ready again", WITHIN_MS);
  expect(Date.now() - frozenAt).toBeLessThan(WITHIN_MS);
}, 30_000);
