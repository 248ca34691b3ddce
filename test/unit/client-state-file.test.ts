import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerAddress } from "../../src/client/sdk/address.ts";
import { lockClientFiles, lockStateFile } from "../../src/client/sdk/state-lock.ts";
import {
  type ClientFiles,
  clientFiles,
  configDirectory,
  type DeviceStateData,
  DeviceState,
  emptyState,
  readSessionFile,
  readStateFile,
  StateFileError,
  stateDirectory,
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

/** alice's files in a fresh home, as the client finds them with XDG_CONFIG_HOME and XDG_STATE_HOME unset. */
function homeFiles(user = "alice"): ClientFiles {
  const env = { HOME: tempDir() };
  return clientFiles(configDirectory(env), stateDirectory(env), server, user);
}

const SESSION = { token: "secret-token", deviceId: 3, deviceName: "laptop" };
const QUEUED = { type: "send" as const, id: "m-1", to: "bob", text: "typed while offline", createdAt: 1 };

/** What a client of an earlier version kept in its one file: session, cursors, titles and a message not yet sent. */
function legacyContent(): DeviceStateData {
  return { ...emptyState(server, "alice"), session: SESSION, cursors: { "12": 41, "7": 3 }, titles: { "12": "bob", "7": "#team" }, outbox: [QUEUED] };
}

function writeLegacy(files: ClientFiles, data: DeviceStateData = legacyContent()): void {
  mkdirSync(join(files.legacy, ".."), { recursive: true, mode: 0o700 });
  writeFileSync(files.legacy, JSON.stringify(data, null, 2), { mode: 0o600 });
}

describe("directories", () => {
  test("honour XDG_CONFIG_HOME and XDG_STATE_HOME", () => {
    const env = { XDG_CONFIG_HOME: "/tmp/xdg", XDG_STATE_HOME: "/tmp/xdg-state", HOME: "/home/ann" };
    expect(configDirectory(env)).toBe("/tmp/xdg/chat");
    expect(stateDirectory(env)).toBe("/tmp/xdg-state/chat");
  });

  test("fall back to ~/.config and ~/.local/state when the variables are unset, empty or relative", () => {
    for (const xdg of [undefined, "", "relative/dir"]) {
      expect(configDirectory({ XDG_CONFIG_HOME: xdg, HOME: "/home/ann" })).toBe("/home/ann/.config/chat");
      expect(stateDirectory({ XDG_STATE_HOME: xdg, HOME: "/home/ann" })).toBe("/home/ann/.local/state/chat");
    }
  });

  test("a session file and a state file per server and user, never the old file's name, even in one directory", () => {
    const files = clientFiles("/tmp/xdg/chat", "/tmp/xdg-state/chat", server, "alice");
    expect(files).toEqual({
      session: "/tmp/xdg/chat/localhost_8080.alice.session.json",
      state: "/tmp/xdg-state/chat/localhost_8080.alice.state.json",
      legacy: "/tmp/xdg/chat/localhost_8080.alice.json",
    });
    const other = parseServerAddress("example.org:8080");
    const states = [clientFiles("/c", "/s", server, "alice"), clientFiles("/c", "/s", server, "bob"), clientFiles("/c", "/s", other, "alice")];
    expect(new Set(states.flatMap((each) => [each.session, each.state])).size).toBe(6);
    const shared = clientFiles("/d", "/d", server, "alice");
    expect(new Set([shared.session, shared.state, shared.legacy]).size).toBe(3);
  });
});

describe("session and state files", () => {
  test("missing files are a fresh device", () => {
    const files = homeFiles();
    expect(DeviceState.open(files, server, "alice").data).toEqual(emptyState(server, "alice"));
    expect(readStateFile(files.state, server, "alice")).toEqual({ version: 1, server: server.http, user: "alice", cursors: {}, titles: {}, outbox: [] });
  });

  test("the session goes to the config directory, the rest to the state directory, each 0600 in a 0700 directory, and read back as written", () => {
    const files = homeFiles();
    const state = DeviceState.open(files, server, "alice");
    state.data.session = SESSION;
    state.data.cursors["12"] = 41;
    state.data.titles["12"] = "bob";
    state.data.outbox.push(QUEUED);
    state.save();

    for (const path of [files.session, files.state]) {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    }
    expect(files.session).toContain("/.config/chat/");
    expect(files.state).toContain("/.local/state/chat/");
    expect(readSessionFile(files.session, "alice")?.session).toEqual(SESSION);
    expect(readFileSync(files.state, "utf8")).not.toContain("secret-token");
    expect(readStateFile(files.state, server, "alice")).toMatchObject({ cursors: { "12": 41 }, titles: { "12": "bob" }, outbox: [QUEUED] });
    expect(DeviceState.open(files, server, "alice").data).toEqual(state.data);
  });

  test("logging out replaces the session file with one without the token", () => {
    const files = homeFiles();
    const state = DeviceState.open(files, server, "alice");
    state.data.session = SESSION;
    state.save();
    state.data.session = null;
    state.save();
    expect(readFileSync(files.session, "utf8")).not.toContain("secret-token");
    expect(DeviceState.open(files, server, "alice").data.session).toBeNull();
  });

  test("stay 0600 when rewritten under a permissive umask", () => {
    const files = homeFiles();
    const previous = process.umask(0);
    try {
      DeviceState.open(files, server, "alice").save();
      const again = DeviceState.open(files, server, "alice");
      again.data.cursors["1"] = 1;
      again.save();
    } finally {
      process.umask(previous);
    }
    expect(statSync(files.session).mode & 0o777).toBe(0o600);
    expect(statSync(files.state).mode & 0o777).toBe(0o600);
  });

  const damaged: [string, string, RegExp][] = [
    ["not JSON", "{ this is not json", /not valid JSON/],
    ["the wrong shape", JSON.stringify({ version: 1, user: "alice" }), /damaged/],
    ["another user's content", JSON.stringify(emptyState(server, "bob")), /belongs to 'bob'/],
  ];

  test.each([...damaged, ["a bad cursor", JSON.stringify({ ...emptyState(server, "alice"), cursors: { "12": -4 } }), /cursors\.12/]])(
    "a state file with %s gives a sentence saying what to do, not a crash",
    (_what, content, pattern) => {
      const files = homeFiles();
      mkdirSync(join(files.state, ".."), { recursive: true });
      writeFileSync(files.state, content);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(StateFileError);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(pattern);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(`The client state file ${files.state} is damaged`);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(/Move it away or delete it/);
    },
  );

  test.each([...damaged, ["a bad token", JSON.stringify({ ...emptyState(server, "alice"), session: { ...SESSION, token: "" } }), /session\.token/]])(
    "a session file with %s gives a sentence saying what to do, not a crash",
    (_what, content, pattern) => {
      const files = homeFiles();
      mkdirSync(join(files.session, ".."), { recursive: true });
      writeFileSync(files.session, content);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(StateFileError);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(pattern);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(`The client session file ${files.session} is damaged`);
      expect(() => DeviceState.open(files, server, "alice")).toThrow(/Move it away or delete it, then start again; you will be asked to log in/);
    },
  );

  test("leave no temporary file behind", () => {
    const files = homeFiles();
    DeviceState.open(files, server, "alice").save();
    expect(readFileSync(files.state, "utf8")).toContain('"user": "alice"');
    expect(existsSync(`${files.state}.${process.pid}.tmp`)).toBe(false);
    expect(existsSync(`${files.session}.${process.pid}.tmp`)).toBe(false);
  });
});

describe("migration of the single file of earlier versions", () => {
  test("its session goes to the config file, its cursors, titles and outbox to the state file, and it is removed", () => {
    const files = homeFiles();
    writeLegacy(files);

    const state = DeviceState.open(files, server, "alice");
    expect(state.data).toEqual(legacyContent());
    expect(existsSync(files.legacy)).toBe(false);
    expect(readSessionFile(files.session, "alice")?.session).toEqual(SESSION);
    expect(readStateFile(files.state, server, "alice")).toMatchObject({ cursors: { "12": 41, "7": 3 }, titles: { "12": "bob", "7": "#team" }, outbox: [QUEUED] });
    for (const path of [files.session, files.state]) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(files.state, "..")).mode & 0o777).toBe(0o700);

    // The next start reads the new files alone.
    expect(DeviceState.open(files, server, "alice").data).toEqual(legacyContent());
  });

  test("an outbox entry of a version without entry types survives the move", () => {
    const files = homeFiles();
    const { type: _untyped, ...oldEntry } = QUEUED;
    writeLegacy(files, { ...legacyContent(), outbox: [oldEntry as typeof QUEUED] });
    expect(DeviceState.open(files, server, "alice").data.outbox).toEqual([QUEUED]);
    expect(readStateFile(files.state, server, "alice").outbox).toEqual([QUEUED]);
  });

  test("after a crash between writing the new files and removing the old one, the next start finds everything once", () => {
    const files = homeFiles();
    writeLegacy(files);
    // What the move had written before the crash: both new files, the old one still there.
    DeviceState.open(files, server, "alice");
    writeLegacy(files);

    const state = DeviceState.open(files, server, "alice");
    expect(state.data).toEqual(legacyContent());
    expect(state.data.outbox).toHaveLength(1);
    expect(existsSync(files.legacy)).toBe(false);
    expect(DeviceState.open(files, server, "alice").data).toEqual(legacyContent());
  });

  test("after a crash between writing the state file and the session file, the session comes from the old file", () => {
    const files = homeFiles();
    writeLegacy(files);
    DeviceState.open(files, server, "alice");
    rmSync(files.session);
    writeLegacy(files);

    expect(DeviceState.open(files, server, "alice").data).toEqual(legacyContent());
    expect(readSessionFile(files.session, "alice")?.session).toEqual(SESSION);
    expect(existsSync(files.legacy)).toBe(false);
  });

  test("the new files win over an old file found next to them, and its queued messages are kept", () => {
    const files = homeFiles();
    const state = DeviceState.open(files, server, "alice");
    state.data.session = { ...SESSION, token: "newer-token" };
    state.data.cursors["12"] = 50;
    state.data.outbox.push({ ...QUEUED, id: "m-2", text: "queued in the new files" });
    state.save();
    writeLegacy(files);

    const data = DeviceState.open(files, server, "alice").data;
    expect(data.session?.token).toBe("newer-token");
    expect(data.cursors).toEqual({ "12": 50 });
    expect(data.titles).toEqual({ "12": "bob", "7": "#team" });
    expect(data.outbox.map((entry) => entry.id)).toEqual(["m-2", "m-1"]);
    expect(existsSync(files.legacy)).toBe(false);
  });

  test("a damaged old file is not removed and gives a sentence saying what to do", () => {
    const files = homeFiles();
    mkdirSync(join(files.legacy, ".."), { recursive: true });
    writeFileSync(files.legacy, '{"version": 1, "cursors": "nonsense"');
    expect(() => DeviceState.open(files, server, "alice")).toThrow(`The client state file (of an earlier version) ${files.legacy} is damaged`);
    expect(() => DeviceState.open(files, server, "alice")).toThrow(/Move it away or delete it/);
    expect(existsSync(files.legacy)).toBe(true);
    expect(existsSync(files.state)).toBe(false);
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

  test("a client locks its state file, and the old file while it is there to migrate", () => {
    const files = homeFiles();
    const release = lockClientFiles(files);
    expect(existsSync(`${files.state}.lock`)).toBe(true);
    expect(existsSync(`${files.legacy}.lock`)).toBe(false);
    release();
    expect(existsSync(`${files.state}.lock`)).toBe(false);

    writeLegacy(files);
    const releaseBoth = lockClientFiles(files);
    expect(existsSync(`${files.legacy}.lock`)).toBe(true);
    releaseBoth();
    expect(existsSync(`${files.legacy}.lock`)).toBe(false);
  });

  test("a running client of an earlier version, holding the old file's lock, keeps a new one from migrating under it", () => {
    const files = homeFiles();
    writeLegacy(files);
    writeFileSync(`${files.legacy}.lock`, String(process.ppid)); // a process that certainly runs
    expect(() => lockClientFiles(files)).toThrow(`using ${files.legacy}; quit it first`);
    expect(existsSync(`${files.state}.lock`)).toBe(false); // what it took is given back
  });
});
