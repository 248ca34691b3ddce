import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { DeleteRequest, EditRequest, Name, ReactRequest, Recipient, SendFrame, TimerRequest } from "../../protocol/index.ts";
import type { ServerAddress } from "./address.ts";

/**
 * Everything one device remembers between runs, one file per server and user:
 * the session token, how far each conversation was processed (cursors), the names
 * of conversations, and the messages not yet acknowledged by the server (outbox).
 */

const ConversationKey = z.string().regex(/^[1-9][0-9]{0,15}$/);

const Queued = { createdAt: z.number().int().nonnegative() };

/** An event request not yet acknowledged: the frame to send again, and when it was made. */
export const OutboxEntry = z.preprocess(
  // Files written before edits and reactions existed hold messages only, without a type.
  (value) => (typeof value === "object" && value !== null && !("type" in value) ? { ...value, type: "send" } : value),
  z.discriminatedUnion("type", [
    SendFrame.extend(Queued),
    EditRequest.extend(Queued),
    DeleteRequest.extend(Queued),
    ReactRequest.extend(Queued),
    TimerRequest.extend(Queued),
  ]),
);
export type OutboxEntry = z.infer<typeof OutboxEntry>;
/** A queued message (not an edit, delete, reaction or timer). */
export type MessageEntry = Extract<OutboxEntry, { type: "send" }>;

export const SavedSession = z.object({
  token: z.string().min(1),
  deviceId: z.number().int(),
  deviceName: z.string(),
});
export type SavedSession = z.infer<typeof SavedSession>;

export const DeviceStateData = z.object({
  version: z.literal(1),
  server: z.string(),
  user: Name,
  session: SavedSession.nullable(),
  cursors: z.record(ConversationKey, z.number().int().nonnegative()),
  titles: z.record(ConversationKey, Recipient),
  outbox: z.array(OutboxEntry),
});
export type DeviceStateData = z.infer<typeof DeviceStateData>;

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
  const parsed = DeviceStateData.safeParse(json);
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

/** The state of one device, in memory, saved to its file on request. */
export class DeviceState {
  private constructor(
    readonly path: string,
    readonly data: DeviceStateData,
  ) {}

  static open(path: string, server: ServerAddress, user: string): DeviceState {
    return new DeviceState(path, readStateFile(path, server, user));
  }

  save(): void {
    writeStateFile(this.path, this.data);
  }
}
