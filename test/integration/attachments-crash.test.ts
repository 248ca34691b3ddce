/**
 * An upload across kill -9, on each deployment's storage: the bytes a piece was acknowledged for
 * are there after the restart, the upload goes on from them, and a finished upload killed before
 * its message was sent is sent afterwards and comes down whole.
 */
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { UploadStatus } from "../../src/protocol/index.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { isolatedServerEnvironment } from "../helpers/deployments.ts";
import { startServerProcess, type ServerProcess } from "../helpers/server-process.ts";
import { registerUser, tempDir } from "../helpers/server.ts";
import { TestSocket } from "../helpers/socket.ts";

const defer = cleanupAfterEach();

/** Where the bytes go: the data directory's files, or (with DATABASE_URL) PostgreSQL. */
const STORAGES = [
  { name: "SQLite, files under the data directory", environment: () => ({ env: {}, drop: async () => {} }) },
  { name: "PostgreSQL", environment: isolatedServerEnvironment },
];

describe.each(STORAGES)("an upload across kill -9 ($name)", (storage) => {
  test("acknowledged bytes stay, the upload goes on, and the finished file is sent after the restart", async () => {
    const { env, drop } = storage.environment();
    defer(drop);
    const dataDir = tempDir();
    defer(() => rmSync(dataDir, { recursive: true, force: true }));
    const start = async (port?: number) => {
      const server = await startServerProcess(["--data", dataDir], env, port);
      defer(() => server.stop("SIGKILL"));
      return server;
    };
    let server: ServerProcess = await start();
    const alice = await registerUser(server, "alice");
    const bob = await registerUser(server, "bob");
    const call = (token: string, method: string, path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, { ...init, method, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    const file = crypto.getRandomValues(new Uint8Array(600_000));

    const started = UploadStatus.parse(await (await call(alice.token, "POST", "/api/uploads", { body: JSON.stringify({ name: "plan.bin", size: file.length }), headers: { "content-type": "application/json" } })).json());
    const first = await call(alice.token, "PATCH", `/api/uploads/${started.id}`, { body: file.subarray(0, 400_000), headers: { "upload-offset": "0" } });
    expect(UploadStatus.parse(await first.json()).offset).toBe(400_000);

    await server.stop("SIGKILL");
    server = await start(server.port);
    const after = UploadStatus.parse(await (await call(alice.token, "GET", `/api/uploads/${started.id}`)).json());
    expect(after.offset).toBe(400_000);
    const rest = await call(alice.token, "PATCH", `/api/uploads/${started.id}`, { body: file.subarray(400_000), headers: { "upload-offset": "400000" } });
    const finished = UploadStatus.parse(await rest.json());
    expect(finished.attachment?.size).toBe(file.length);

    // Killed between the upload and the message that sends it.
    await server.stop("SIGKILL");
    server = await start(server.port);
    const socket = await TestSocket.connect(server.wsUrl, alice.token);
    defer(() => socket.close());
    socket.send({ type: "send", id: "m-plan", to: "bob", attachment: started.id, text: "the plan" });
    expect((await socket.next((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === "m-plan")).type).toBe("sent");
    const download = await call(bob.token, "GET", `/api/attachments/${started.id}`);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(file);
  }, 60_000);
});
