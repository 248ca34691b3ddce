import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { ServerAddress } from "./address.ts";
import { type DeviceStateData, DeviceStateData as DeviceStateSchema, type DeviceStorage, StoredDeviceState } from "./device-state.ts";

export * from "./device-state.ts";

/** The terminal client's driver of the device state: one JSON file per server and user (see docs/client.md, State). */

export class StateFileError extends Error {
  override readonly name = "StateFileError";
}

/** `$XDG_CONFIG_HOME/chat`, or `~/.config/chat` when XDG_CONFIG_HOME is unset or not absolute (as the XDG spec says). */
export function configDirectory(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && xdg.startsWith("/") ? xdg : join(env.HOME || homedir(), ".config");
  return join(base, "chat");
}

export function stateFilePath(configDir: string, server: ServerAddress, user: string): string {
  return join(configDir, `${server.key}.${user}.json`);
}

export function emptyState(server: ServerAddress, user: string): DeviceStateData {
  return { version: 1, server: server.http, user, session: null, cursors: {}, titles: {}, outbox: [] };
}

/** Reads the state file; a missing file is a fresh device, a damaged one is an error with a sentence saying what to do. */
export function readStateFile(path: string, server: ServerAddress, user: string): DeviceStateData {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyState(server, user);
    throw new StateFileError(`Cannot read the client state file ${path}: ${(error as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StateFileError(damagedSentence(path, "it is not valid JSON"));
  }
  const parsed = DeviceStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new StateFileError(damagedSentence(path, `${issue?.message ?? "unexpected content"}${where}`));
  }
  if (parsed.data.user !== user) {
    throw new StateFileError(damagedSentence(path, `it belongs to '${parsed.data.user}', not '${user}'`));
  }
  return parsed.data;
}

function damagedSentence(path: string, why: string): string {
  return `The client state file ${path} is damaged (${why}). Move it away or delete it, then start again; you will be asked to log in.`;
}

/**
 * Writes the state so that a crash leaves either the old or the new file, never half of one:
 * write a temporary file (mode 0600, the token is a secret), flush it to disk, rename it over.
 */
export function writeStateFile(path: string, data: DeviceStateData): void {
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

/** The file driver: each save replaces the file atomically before it returns. */
export class FileStorage implements DeviceStorage {
  constructor(readonly path: string) {}

  write(data: DeviceStateData): void {
    writeStateFile(this.path, data);
  }
}

/** The state of one device, in memory, saved to its file on request. */
export class DeviceState extends StoredDeviceState {
  private constructor(
    readonly path: string,
    data: DeviceStateData,
  ) {
    super(data, new FileStorage(path));
  }

  static open(path: string, server: ServerAddress, user: string): DeviceState {
    return new DeviceState(path, readStateFile(path, server, user));
  }

  override save(): void {
    writeStateFile(this.path, this.data);
  }
}
