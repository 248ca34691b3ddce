import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerAddress } from "../../src/client/sdk/address.ts";
import { lockStateFile } from "../../src/client/sdk/state-lock.ts";
import {
  configDirectory,
  DeviceState,
  emptyState,
  readStateFile,
  StateFileError,
  stateFilePath,
} from "../../src/client/sdk/state-file.ts";

const server = parseServerAddress("localhost:8080");
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-state-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("config directory", () => {
  test("honours XDG_CONFIG_HOME", () => {
    expect(configDirectory({ XDG_CONFIG_HOME: "/tmp/xdg", HOME: "/home/ann" })).toBe("/tmp/xdg/chat");
  });

  test("falls back to ~/.config when XDG_CONFIG_HOME is unset, empty or relative", () => {
    for (const xdg of [undefined, "", "relative/dir"]) {
      expect(configDirectory({ XDG_CONFIG_HOME: xdg, HOME: "/home/ann" })).toBe("/home/ann/.config/chat");
    }
  });

  test("one file per server and user", () => {
    const dir = "/tmp/xdg/chat";
    const other = parseServerAddress("example.org:8080");
    expect(stateFilePath(dir, server, "alice")).toBe("/tmp/xdg/chat/localhost_8080.alice.json");
    expect(new Set([stateFilePath(dir, server, "alice"), stateFilePath(dir, server, "bob"), stateFilePath(dir, other, "alice")]).size).toBe(3);
  });
});

describe("state file", () => {
  test("a missing file is a fresh device", () => {
    const path = join(tempDir(), "chat", "localhost_8080.alice.json");
    expect(readStateFile(path, server, "alice")).toEqual(emptyState(server, "alice"));
  });

  test("is written with mode 0600 in a 0700 directory and read back as written", () => {
    const path = join(tempDir(), "chat", "localhost_8080.alice.json");
    const state = DeviceState.open(path, server, "alice");
    state.data.session = { token: "secret-token", deviceId: 3, deviceName: "laptop" };
    state.data.cursors["12"] = 41;
    state.data.titles["12"] = "bob";
    state.data.outbox.push({ type: "send", id: "m-1", to: "bob", text: "hello", createdAt: 1 });
    state.save();

    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(DeviceState.open(path, server, "alice").data).toEqual(state.data);
  });

  test("stays 0600 when rewritten under a permissive umask", () => {
    const path = join(tempDir(), "state.json");
    const previous = process.umask(0);
    try {
      DeviceState.open(path, server, "alice").save();
      DeviceState.open(path, server, "alice").save();
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test.each([
    ["not JSON", "{ this is not json", /not valid JSON/],
    ["the wrong shape", JSON.stringify({ version: 1, user: "alice" }), /damaged/],
    ["a bad cursor", JSON.stringify({ ...emptyState(server, "alice"), cursors: { "12": -4 } }), /cursors\.12/],
    ["another user's state", JSON.stringify(emptyState(server, "bob")), /belongs to 'bob'/],
  ])("a file with %s gives a sentence saying what to do, not a crash", (_what, content, pattern) => {
    const path = join(tempDir(), "state.json");
    writeFileSync(path, content);
    expect(() => readStateFile(path, server, "alice")).toThrow(StateFileError);
    expect(() => readStateFile(path, server, "alice")).toThrow(pattern);
    expect(() => readStateFile(path, server, "alice")).toThrow(/Move it away or delete it/);
  });

  test("leaves no temporary file behind", () => {
    const dir = tempDir();
    DeviceState.open(join(dir, "state.json"), server, "alice").save();
    expect(readFileSync(join(dir, "state.json"), "utf8")).toContain('"user": "alice"');
    expect(existsSync(join(dir, `state.json.${process.pid}.tmp`))).toBe(false);
  });
});

describe("state file lock", () => {
  test("a second client for the same state file is refused while the first runs", () => {
    const path = join(tempDir(), "state.json");
    const release = lockStateFile(path);
    writeFileSync(`${path}.lock`, String(process.ppid)); // a process that certainly runs
    expect(() => lockStateFile(path)).toThrow(/already running/);
    release();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a lock left by a process that has ended is taken over", () => {
    const path = join(tempDir(), "state.json");
    const ended = Bun.spawnSync(["true"]).pid;
    writeFileSync(`${path}.lock`, String(ended));
    const release = lockStateFile(path);
    expect(readFileSync(`${path}.lock`, "utf8")).toBe(String(process.pid));
    release();
  });
});
