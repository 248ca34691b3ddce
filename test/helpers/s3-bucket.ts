import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.ts";

/** The bucket the test S3 server has; every deployment takes a prefix of its own in it. */
export const TEST_BUCKET = "chat-test";
const S3RVER_MODULE = resolve(import.meta.dir, "../../node_modules/s3rver");

let started: Promise<void> | undefined;

/**
 * An S3-API server for this test process (s3rver, from the npm registry, run by Node.js), started at the
 * first call; Bun's S3 client in the servers finds it through the S3_* variables set here.
 */
export function testS3(): Promise<void> {
  started ??= (async () => {
    const port = freePort();
    const dir = mkdtempSync(join(tmpdir(), "chat-s3-"));
    // s3rver's own API, in a Node.js process that ends when this test process is gone (however it ends).
    const script = `
      const S3rver = require(${JSON.stringify(S3RVER_MODULE)});
      new S3rver({ address: "127.0.0.1", port: ${port}, directory: ${JSON.stringify(dir)}, silent: true, configureBuckets: [{ name: ${JSON.stringify(TEST_BUCKET)} }] }).run();
      setInterval(() => { try { process.kill(${process.pid}, 0); } catch { require("fs").rmSync(${JSON.stringify(dir)}, { recursive: true, force: true }); process.exit(0); } }, 1000);
    `;
    const server = Bun.spawn(["node", "-e", script], { stdout: "ignore", stderr: "inherit" });
    Object.assign(process.env, { S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER", S3_REGION: "us-east-1" });
    // Ready once it answers: a listing of the bucket.
    for (let attempt = 0; ; attempt++) {
      const answered = await fetch(`http://127.0.0.1:${port}/${TEST_BUCKET}`).then((response) => response.ok, () => false);
      if (answered) return;
      if (attempt > 100 || server.exitCode !== null) throw new Error(`s3rver did not start on port ${port}`);
      await Bun.sleep(50);
    }
  })();
  return started;
}
