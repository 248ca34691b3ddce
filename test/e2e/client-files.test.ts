import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runClient, scriptSuite } from "./support.ts";

const { dir, server } = scriptSuite();

describe("files with the compiled binaries, in script mode", () => {
  test("`/file` then `/save` gives bob the same bytes, checked; --json shows the attachment", async () => {
    const chat = await server();
    const bobHome = dir("chat-e2e-bob-");
    const carolHome = dir("chat-e2e-carol-");
    expect((await runClient("bob", { server: chat, configHome: bobHome }, [])).code).toBe(0);
    expect((await runClient("carol", { server: chat, configHome: carolHome }, [])).code).toBe(0);

    // Larger than one upload piece (4 MB): it goes up in two requests.
    const files = dir("chat-e2e-files-");
    const bytes = crypto.getRandomValues(new Uint8Array(5_000_000));
    const source = join(files, "report.bin");
    writeFileSync(source, bytes);
    const sent = await runClient("alice", { server: chat, configHome: dir("chat-e2e-alice-") }, [`/file bob ${source} the report`, `/file carol ${source}`]);
    expect(sent).toMatchObject({ code: 0, stderr: expect.not.arrayContaining([expect.stringContaining("failed")]) });

    const received = await runClient("bob", { server: chat, configHome: bobHome }, []);
    expect(received.code).toBe(0);
    expect(received.stdout).toHaveLength(1);
    const line = received.stdout[0]!;
    expect(line).toMatch(/^\[alice\]: 📎 report\.bin \(5\.0 MB\) the report \[attachment [A-Za-z0-9_-]{22}\]$/);
    const id = line.match(/\[attachment ([A-Za-z0-9_-]+)\]$/)![1]!;

    const saved = await runClient("bob", { server: chat, configHome: bobHome }, [`/save ${id} ${files}/copy.bin`]);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toEqual([`Saved report.bin (5.0 MB, SHA-256 checked) to ${files}/copy.bin.`]);
    expect(readFileSync(join(files, "copy.bin")).equals(Buffer.from(bytes))).toBe(true);

    const json = await runClient("carol", { server: chat, configHome: carolHome }, [], ["--json"]);
    expect(json.code).toBe(0);
    const record = JSON.parse(json.stdout[0]!);
    const carolsId: string = record.attachment.id;
    expect(record).toMatchObject({
      type: "message",
      from: "alice",
      text: "",
      attachment: { id: expect.any(String), name: "report.bin", size: 5_000_000, type: "application/octet-stream", sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex") },
    });
    // Into a directory, under the file's own name; never over a file that is there.
    const over = await runClient("carol", { server: chat, configHome: carolHome }, [`/save ${carolsId} ${files}`]);
    expect(over.stderr).toContain(`${files}/report.bin exists already; give another path. Usage: /save <message> [path] (save the file a message carries (its ^number or attachment id) and check its SHA-256).`);
    const downloads = dir("chat-e2e-downloads-");
    const intoDir = await runClient("carol", { server: chat, configHome: carolHome }, [`/save ${carolsId} ${downloads}`]);
    expect(intoDir.stdout).toEqual([`Saved report.bin (5.0 MB, SHA-256 checked) to ${downloads}/report.bin.`]);
    expect(readFileSync(join(downloads, "report.bin")).equals(Buffer.from(bytes))).toBe(true);
  });
});
