import type { DeviceId, UserId } from "../domain/types.ts";

/** Delivery of encoded frames to connected devices, on this server and the others. */
export interface Fanout {
  /** Every device subscribed to `topic`, anywhere, gets `frame`; `except` (the device a frame came from) does not. */
  publish(topic: string, frame: string, except?: DeviceId): void;
  /** Every connected device of the user, on any server, starts receiving `topic` (joined a group). */
  join(userId: UserId, topic: string): void;
  /** …and stops (left or was removed). */
  leave(userId: UserId, topic: string): void;
  /** Closes the device's connection wherever it is (logged out). */
  disconnect(userId: UserId, deviceId: DeviceId, code: number, reason: string): void;
}

/** One device's connection as the services see it: frames go out in order. */
export interface FrameSink {
  /** Queues a frame; false when the connection is backed up and the caller should await `drained`. */
  send(frame: string): boolean;
  drained(): Promise<void>;
}
