import { z } from "zod";
import { DeleteRequest, EditRequest, Name, ReactRequest, Recipient, SendFrame, TimerRequest } from "../../protocol/index.ts";

/**
 * Everything one device remembers between runs (a file for the terminal client, IndexedDB in a
 * browser): the session token, how far each conversation was processed (cursors), the names
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


/**
 * Where a device's state is kept. `write` stores the whole state; what it returns (or the promise
 * it returns) settles once the state is durable, so that the outbox can keep its promise: a
 * message is stored on the device before it is sent.
 */
export interface DeviceStorage {
  write(data: DeviceStateData): void | Promise<void>;
}

/** The state of one device, in memory, saved through its storage driver on request. */
export class StoredDeviceState {
  constructor(
    readonly data: DeviceStateData,
    private readonly storage: DeviceStorage,
  ) {}

  save(): void | Promise<void> {
    return this.storage.write(this.data);
  }
}
