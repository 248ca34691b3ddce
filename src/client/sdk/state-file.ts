import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { Name } from "../../protocol/index.ts";
import type { ServerAddress } from "./address.ts";
import { type DeviceStateData, DeviceStateData as DeviceStateSchema, type DeviceStorage, SavedSession, StoredDeviceState } from "./device-state.ts";

export * from "./device-state.ts";

/**
 * The terminal client's driver of the device state: per server and user, a session file under
 * XDG_CONFIG_HOME and a state file (cursors, titles, outbox) under XDG_STATE_HOME; the single
 * file of earlier versions is split into the two on open (see docs/client.md, State).
 */

export class StateFileError extends Error {
  override readonly name = "StateFileError";
}

type Env = Record<string, string | undefined>;

/** `<XDG variable>/chat`, or `~/<fallback>/chat` when the variable is unset or not absolute (as the XDG spec says). */
function xdgDirectory(env: Env, variable: "XDG_CONFIG_HOME" | "XDG_STATE_HOME", fallback: string): string {
  const xdg = env[variable];
  const base = xdg && xdg.startsWith("/") ? xdg : join(env.HOME || homedir(), fallback);
  return join(base, "chat");
}

/** `$XDG_CONFIG_HOME/chat`, or `~/.config/chat`: where the session is kept. */
export function configDirectory(env: Env = process.env): string {
  return xdgDirectory(env, "XDG_CONFIG_HOME", ".config");
}

/** `$XDG_STATE_HOME/chat`, or `~/.local/state/chat`: where cursors, titles and the outbox are kept. */
export function stateDirectory(env: Env = process.env): string {
  return xdgDirectory(env, "XDG_STATE_HOME", join(".local", "state"));
}

/** The files of one server and user. The three names differ even when both directories are the same. */
export interface ClientFiles {
  /** The session token and device: `<config>/chat/<server>.<user>.session.json`. */
  session: string;
  /** Cursors, titles and outbox: `<state>/chat/<server>.<user>.state.json`. */
  state: string;
  /** The single file of earlier versions, `<config>/chat/<server>.<user>.json`: migrated when present. */
  legacy: string;
}

export function clientFiles(configDir: string, stateDir: string, server: ServerAddress, user: string): ClientFiles {
  const base = `${server.key}.${user}`;
  return { session: join(configDir, `${base}.session.json`), state: join(stateDir, `${base}.state.json`), legacy: join(configDir, `${base}.json`) };
}

/** What the session file holds. */
export const SessionFileData = z.object({ version: z.literal(1), server: z.string(), user: Name, session: SavedSession.nullable() });
export type SessionFileData = z.infer<typeof SessionFileData>;
/** What the state file holds: the device state without the session. */
export const StateFileData = DeviceStateSchema.omit({ session: true });
export type StateFileData = z.infer<typeof StateFileData>;

export function emptyState(server: ServerAddress, user: string): DeviceStateData {
  return { version: 1, server: server.http, user, session: null, cursors: {}, titles: {}, outbox: [] };
}

function sessionPart({ version, server, user, session }: DeviceStateData): SessionFileData {
  return { version, server, user, session };
}

function statePart({ session: _secret, ...rest }: DeviceStateData): StateFileData {
  return rest;
}

type FileKind = "session" | "state" | "legacy";

const DAMAGED_ADVICE: Record<FileKind, string> = {
  session: "Move it away or delete it, then start again; you will be asked to log in.",
  state: "Move it away or delete it, then start again; messages it held that were not sent yet will not be sent.",
  legacy: "Move it away or delete it, then start again; you will be asked to log in.",
};

const KIND_NAME: Record<FileKind, string> = { session: "session file", state: "state file", legacy: "state file (of an earlier version)" };

/** Reads and validates one file; undefined when it does not exist, an error with a sentence saying what to do when it is damaged. */
function readValidated<T extends { user: string }>(path: string, schema: z.ZodType<T>, user: string, kind: FileKind): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateFileError(`Cannot read the client ${KIND_NAME[kind]} ${path}: ${(error as Error).message}.`);
  }
  const damaged = (why: string) => new StateFileError(`The client ${KIND_NAME[kind]} ${path} is damaged (${why}). ${DAMAGED_ADVICE[kind]}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged("it is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw damaged(`${issue?.message ?? "unexpected content"}${where}`);
  }
  if (parsed.data.user !== user) throw damaged(`it belongs to '${parsed.data.user}', not '${user}'`);
  return parsed.data;
}

/** The session file's content; undefined when there is none. */
export function readSessionFile(path: string, user: string): SessionFileData | undefined {
  return readValidated(path, SessionFileData, user, "session");
}

/** The state file's content (cursors, titles, outbox); an empty state when there is none. */
export function readStateFile(path: string, server: ServerAddress, user: string): StateFileData {
  return readValidated(path, StateFileData, user, "state") ?? statePart(emptyState(server, user));
}

/**
 * The device state from the session and state files, after moving an old combined file into them.
 * The old file is removed only once both new files are on disk; until then it stays, and a start
 * after a crash in between does the move again, preferring what the new files already hold (and
 * keeping every outbox entry of either, by id: a resent id is stored once by the server).
 */
function load(files: ClientFiles, server: ServerAddress, user: string): { data: DeviceStateData; onDisk: { session: boolean; state: boolean } } {
  const session = readSessionFile(files.session, user);
  const state = readValidated(files.state, StateFileData, user, "state");
  const legacy = readValidated(files.legacy, DeviceStateSchema, user, "legacy");
  if (!legacy) {
    const data = { ...emptyState(server, user), ...state, session: session?.session ?? null };
    return { data, onDisk: { session: session !== undefined, state: state !== undefined } };
  }

  const queued = new Set(state?.outbox.map((entry) => entry.id));
  const data: DeviceStateData = {
    ...legacy,
    session: session ? session.session : legacy.session,
    cursors: state ? state.cursors : legacy.cursors,
    titles: { ...legacy.titles, ...state?.titles },
    outbox: state ? [...state.outbox, ...legacy.outbox.filter((entry) => !queued.has(entry.id))] : legacy.outbox,
  };
  writeStateFile(files.state, statePart(data));
  writeStateFile(files.session, sessionPart(data));
  // The renames must be on disk before the old file's removal is.
  syncDirectory(dirname(files.state));
  syncDirectory(dirname(files.session));
  try {
    unlinkSync(files.legacy);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new StateFileError(
        `Cannot remove the client state file of an earlier version, ${files.legacy}, after copying it to ${files.session} and ${files.state}: ${(error as Error).message}. Delete it, then start again.`,
      );
    }
  }
  return { data, onDisk: { session: true, state: true } };
}

/**
 * Writes a file so that a crash leaves either the old or the new version, never half of one:
 * write a temporary file (mode 0600: the token is a secret, the outbox private), flush it to disk, rename it over.
 */
export function writeStateFile(path: string, data: SessionFileData | StateFileData): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(data, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600); // the mode given to open is masked by the umask
  renameSync(temporary, path);
}

function syncDirectory(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The file driver: each save replaces the files atomically before it returns. A file whose
 * content did not change is not written again (the session changes at login and logout only).
 */
export class FileStorage implements DeviceStorage {
  private written: { session?: string; state?: string } = {};

  constructor(readonly files: ClientFiles) {}

  write(data: DeviceStateData): void {
    this.writeIfChanged("session", sessionPart(data));
    this.writeIfChanged("state", statePart(data));
  }

  /** Records what the files on disk hold, so that saving it unchanged writes nothing. */
  remember(data: DeviceStateData, onDisk: { session: boolean; state: boolean }): void {
    if (onDisk.session) this.written.session = JSON.stringify(sessionPart(data));
    if (onDisk.state) this.written.state = JSON.stringify(statePart(data));
  }

  private writeIfChanged(which: "session" | "state", content: SessionFileData | StateFileData): void {
    const text = JSON.stringify(content);
    if (this.written[which] === text) return;
    writeStateFile(this.files[which], content);
    this.written[which] = text;
  }
}

/** The state of one device, in memory, saved to its files on request. */
export class DeviceState extends StoredDeviceState {
  private constructor(
    readonly files: ClientFiles,
    data: DeviceStateData,
    private readonly fileStorage: FileStorage,
  ) {
    super(data, fileStorage);
  }

  /** Reads the device's files (moving an old combined file into them first); missing files are a fresh device. */
  static open(files: ClientFiles, server: ServerAddress, user: string): DeviceState {
    const { data, onDisk } = load(files, server, user);
    const storage = new FileStorage(files);
    storage.remember(data, onDisk);
    return new DeviceState(files, data, storage);
  }

  override save(): void {
    this.fileStorage.write(this.data);
  }
}
