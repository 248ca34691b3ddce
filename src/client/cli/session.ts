import { ChatConnection, type ConnectionStatus } from "../sdk/connection.ts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import type { ClientOptions } from "./options.ts";

/** How the first connection attempt ended. */
export type FirstContact =
  | { kind: "ready"; user: string; device: number }
  | { kind: "offline"; reason: string }
  | { kind: "stopped"; reason: "revoked" | "unauthorized" | "closed" };

export function openConnection(options: ClientOptions, state: DeviceState, session: SavedSession): ChatConnection {
  return new ChatConnection({ server: options.server, trust: options.trust, token: session.token, state });
}

/** Starts the connection and resolves with the outcome of its first attempt. */
export function firstContact(connection: ChatConnection): Promise<FirstContact> {
  return new Promise((resolve) => {
    const unsubscribe = connection.on("status", (status: ConnectionStatus) => {
      if (status.state === "connecting") return;
      unsubscribe();
      if (status.state === "ready") resolve({ kind: "ready", user: status.user, device: status.device });
      else if (status.state === "offline") resolve({ kind: "offline", reason: status.reason });
      else resolve({ kind: "stopped", reason: status.reason });
    });
    connection.start();
  });
}

/** Forgets a session the server no longer accepts, so the next login asks again. */
export function forgetSession(state: DeviceState): void {
  state.data.session = null;
  state.save();
}

export const SESSION_ENDED = {
  revoked: "This device was logged out from another device.",
  unauthorized: "The server no longer accepts this device's saved session.",
} as const;
