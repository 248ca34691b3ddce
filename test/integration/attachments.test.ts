/**
 * Attachments as people meet them, on every deployment: a file goes up (in pieces, resumed after
 * a broken connection), travels with its message, and comes down byte for byte, to the
 * conversation's members only, by ranges, typed by its own bytes; limits hold while bytes
 * arrive, and the bytes go when nobody can reach them any more.
 */
import { describe, expect, test } from "bun:test";
import { AttachmentInfo, UploadStatus, type ServerFrame } from "../../src/protocol/index.ts";
import { codeOf, messagesIn } from "../helpers/api.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers, TWO_SERVERS_S3 } from "../helpers/deployments.ts";
import { eventually } from "../helpers/eventually.ts";

const defer = cleanupAfterEach();

const PNG: Uint8Array<ArrayBuffer> = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
/** A tiny JPEG's first bytes: enough for a preview's signature check. */
const PREVIEW = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]).toString("base64")}`;

/** `size` bytes that differ from place to place, so a misplaced range shows. */
function bytesOf(size: number, seed = 7): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

describe.each([...DEPLOYMENT_KINDS, TWO_SERVERS_S3])("attachments ($name)", (kind) => {
  async function setUp(config = {}) {
    const deployment = await deploymentWithUsers(kind, ["alice", "bob", "carol"], defer, config);
    const blobs = deployment.server.openBlobs();
    defer(() => blobs.close());
    const token = (name: string) => deployment.users[name]!.token;
    const patch = (name: string, id: string, offset: number, body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>) =>
      fetch(`${deployment.server.url}/api/uploads/${id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token(name)}`, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
        body,
      });
    const download = (name: string | null, id: string, headers: Record<string, string> = {}) =>
      fetch(`${deployment.server.url}/api/attachments/${id}`, { headers: { ...(name ? { authorization: `Bearer ${token(name)}` } : {}), ...headers } });
    /** Uploads `bytes` in one request; the finished attachment. */
    const upload = async (name: string, fileName: string, bytes: Uint8Array<ArrayBuffer>, preview?: string): Promise<AttachmentInfo> => {
      const started = await deployment.api(name).post("/api/uploads", { name: fileName, size: bytes.length, ...(preview ? { preview } : {}) });
      expect(started.status).toBe(201);
      const answer = await patch(name, started.body.id, 0, bytes);
      expect(answer.status).toBe(200);
      return UploadStatus.parse(await answer.json()).attachment!;
    };
    /** Sends a message carrying the attachment; its `sent`. */
    const send = async (socket: Awaited<ReturnType<typeof deployment.connect>>, to: string, attachment: string, text?: string) => {
      const id = socket.nextId("m");
      socket.send({ type: "send", id, to, attachment, ...(text === undefined ? {} : { text }) });
      return socket.next((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === id);
    };
    return { ...deployment, blobs, patch, download, upload, send };
  }

  test("a file uploaded in pieces, the first broken off, reaches bob with its message and comes down byte for byte", async () => {
    const { api, connect, patch, download, send, blobs } = await setUp();
    const file = bytesOf(700_000);
    const started = UploadStatus.parse((await api("alice").post("/api/uploads", { name: "report.pdf", size: file.length })).body);
    expect(started).toEqual({ id: started.id, offset: 0, size: file.length });

    // The connection breaks once the server has stored some of the first 300,000 bytes: what arrived
    // stays, and the upload goes on from there.
    const statusNow = async () => UploadStatus.parse((await api("alice").get(`/api/uploads/${started.id}`)).body);
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(file.subarray(0, 300_000));
      },
      async pull(controller) {
        await eventually("some bytes to be stored", statusNow, (answer) => answer.offset > 0);
        controller.error(new Error("connection lost"));
      },
    });
    const interrupted = await patch("alice", started.id, 0, broken).catch((error: Error) => error);
    expect(interrupted).toBeInstanceOf(Error);
    // The server may still be writing what arrived when the client sees the connection fail.
    const status = await eventually("the bytes that arrived to be kept", statusNow, (answer) => answer.offset > 0);
    expect(status.offset).toBeLessThanOrEqual(300_000);
    expect(status.attachment).toBeUndefined();
    // A piece that does not start where the stored bytes end is refused.
    expect((await patch("alice", started.id, status.offset + 1, file.subarray(status.offset + 1))).status).toBe(409);
    // Until the broken request has ended, it holds the upload (409): the client asks where to go on, and goes on.
    const resumed = await eventually(
      "the upload to go on from where it stopped",
      async () => {
        const { offset } = await statusNow();
        return patch("alice", started.id, offset, file.subarray(offset));
      },
      (answer) => answer.status !== 409,
    );
    const finished = UploadStatus.parse(await resumed.json());
    expect(finished.attachment).toEqual({ id: started.id, name: "report.pdf", size: file.length, type: "application/octet-stream", sha256: sha256(file) });
    expect(await blobs.length(started.id)).toBe(file.length);

    const alice = await connect("alice");
    const bob = await connect("bob");
    expect((await send(alice, "bob", started.id, "the report")).type).toBe("sent");
    const received = await bob.nextMessage();
    expect(received.text).toBe("the report");
    expect(received.attachment).toEqual(finished.attachment!);

    const answer = await download("bob", started.id);
    expect(answer.status).toBe(200);
    expect(new Uint8Array(await answer.arrayBuffer())).toEqual(file);
    expect(answer.headers.get("content-disposition")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(answer.headers.get("etag")).toBe(`"${sha256(file)}"`);
  });

  test("an upload is refused past --max-attachment-bytes, as the extra byte arrives, and nothing of it stays", async () => {
    const { api, patch, blobs } = await setUp({ maxAttachmentBytes: 1000 });
    const tooBig = await api("alice").post("/api/uploads", { name: "big.bin", size: 1001 });
    expect(tooBig.status).toBe(413);
    expect(codeOf(tooBig)).toBe("attachment_too_large");

    const started = UploadStatus.parse((await api("alice").post("/api/uploads", { name: "exact.bin", size: 1000 })).body);
    // 1001 bytes, and the body never ends: the answer comes while the bytes are still arriving.
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytesOf(1001));
      },
      pull: () => new Promise(() => {}),
    });
    const refused = await patch("alice", started.id, 0, endless);
    expect(refused.status).toBe(413);
    expect(codeOf({ body: await refused.json() })).toBe("attachment_too_large");
    expect(await blobs.length(started.id)).toBe(0);
    expect((await api("alice").get(`/api/uploads/${started.id}`)).status).toBe(404);
  });

  test("only members of a conversation the attachment was sent in may fetch it", async () => {
    const { upload, connect, download, send } = await setUp();
    const attachment = await upload("alice", "photo.png", PNG);
    // Before it is sent, only its uploader has it.
    expect((await download("bob", attachment.id)).status).toBe(404);
    expect((await download("alice", attachment.id)).status).toBe(200);
    const alice = await connect("alice");
    expect((await send(alice, "bob", attachment.id)).type).toBe("sent");
    expect((await download("bob", attachment.id)).status).toBe(200);
    const carol = await download("carol", attachment.id);
    expect(carol.status).toBe(404);
    expect(codeOf({ body: await carol.json() })).toBe("unknown_attachment");
    expect((await download(null, attachment.id)).status).toBe(401);
    // Nor can carol send alice's upload as her own.
    const carolSocket = await connect("carol");
    const stolen = await send(carolSocket, "bob", attachment.id);
    expect(stolen.type === "error" && stolen.code).toBe("unknown_attachment");
  });

  test("ranges, ETag and type: images inline, anything else (a .jpg of HTML) downloaded, never run", async () => {
    const { upload, download } = await setUp();
    const image = await upload("alice", "photo.png", PNG, PREVIEW);
    expect(image.type).toBe("image/png");
    expect(image.preview).toBe(PREVIEW);
    const shown = await download("alice", image.id);
    expect(shown.headers.get("content-type")).toBe("image/png");
    expect(shown.headers.get("content-disposition")).toStartWith("inline;");

    const html = new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>");
    const fake = await upload("alice", "cat.jpg", html);
    expect(fake.type).toBe("application/octet-stream");
    const answer = await download("alice", fake.id);
    expect(answer.headers.get("content-type")).toBe("application/octet-stream");
    expect(answer.headers.get("content-disposition")).toStartWith("attachment;");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("content-security-policy")).toContain("sandbox");

    const file = bytesOf(600_000, 3);
    const big = await upload("alice", "data.bin", file);
    const middle = await download("alice", big.id, { range: "bytes=262000-262999" });
    expect(middle.status).toBe(206);
    expect(middle.headers.get("content-range")).toBe(`bytes 262000-262999/${file.length}`);
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(file.subarray(262_000, 263_000));
    const tail = await download("alice", big.id, { range: "bytes=-10" });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(file.subarray(file.length - 10));
    expect((await download("alice", big.id, { range: `bytes=${file.length}-` })).status).toBe(416);
    expect((await download("alice", big.id, { "if-none-match": `"${big.sha256}"` })).status).toBe(304);
  });

  test("delete for everyone removes the bytes once no other message carries them", async () => {
    const { upload, connect, send, download, blobs } = await setUp();
    const attachment = await upload("alice", "photo.png", PNG);
    const alice = await connect("alice");
    const toBob = await send(alice, "bob", attachment.id, "for bob");
    const toCarol = await send(alice, "carol", attachment.id, "for carol");
    const remove = async (sent: ServerFrame) => {
      const target = (sent as Extract<ServerFrame, { type: "sent" }>).id;
      const id = alice.nextId("d");
      alice.send({ type: "delete", id, target });
      expect((await alice.next((frame) => (frame.type === "sent" || frame.type === "error") && frame.id === id)).type).toBe("sent");
    };
    await remove(toBob);
    expect((await download("bob", attachment.id)).status).toBe(404);
    expect((await download("carol", attachment.id)).status).toBe(200);
    await remove(toCarol);
    await eventually("the bytes to go", () => blobs.length(attachment.id), (length) => length === 0);
    expect((await download("alice", attachment.id)).status).toBe(404);
  });

  test("bob, offline when it was sent, gets the attachment with the message on reconnect and in history", async () => {
    const { upload, connect, send, api } = await setUp();
    const attachment = await upload("alice", "photo.png", PNG, PREVIEW);
    const alice = await connect("alice");
    expect((await send(alice, "bob", attachment.id)).type).toBe("sent");
    const bob = await connect("bob");
    const replayed = await bob.nextMessage();
    expect(replayed.text).toBe("");
    expect(replayed.attachment).toEqual(attachment);
    const history = await api("bob").get("/api/history?with=alice");
    expect(messagesIn(history.body)[0]!.attachment).toEqual(attachment);
  });

  test("an upload never sent is removed after a day, bytes and all", async () => {
    const { server, blobs, api } = await setUp();
    const store = await server.openStore();
    defer(() => store.close());
    const alice = (await store.userByName("alice"))!;
    const DAY_MS = 24 * 60 * 60 * 1000;
    const upload = async (id: string, ageMs: number) => {
      await store.createUpload({ id, ownerId: alice.id, name: "old.bin", size: 10, preview: null, createdAt: Date.now() - ageMs, sha256: null, type: null });
      await blobs.append(id, 0, (async function* () {
        yield bytesOf(5);
      })(), 10);
    };
    await upload("stale-upload-00000000000", DAY_MS + 60_000);
    await upload("fresh-upload-00000000000", DAY_MS - 60 * 60_000);
    // Each server sweeps when it starts (and every minute after).
    await server.stop();
    await server.start();
    await eventually("the stale upload to go", () => blobs.length("stale-upload-00000000000"), (length) => length === 0);
    expect((await api("alice").get("/api/uploads/stale-upload-00000000000")).status).toBe(404);
    expect(await blobs.length("fresh-upload-00000000000")).toBe(5);
    expect(UploadStatus.parse((await api("alice").get("/api/uploads/fresh-upload-00000000000")).body).offset).toBe(5);
  });
});
