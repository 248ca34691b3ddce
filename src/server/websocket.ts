import type { WebSocketHandler } from "bun";
import { ChatError, ClientFrame, describeIssues, type ServerFrame } from "../protocol/index.ts";
import { userTopic } from "../domain/delivery.ts";
import type { Messaging } from "../services/messaging.ts";
import type { FrameSink } from "../services/fanout.ts";
import type { ChatSocket, Connections, SocketState } from "./connections.ts";
import { asChatError } from "./errors.ts";

/** Above this many buffered bytes a replay waits for the socket to drain instead of piling up frames. */
const REPLAY_HIGH_WATER = 1024 * 1024;

export interface WebSocketDeps {
  messaging: Messaging;
  connections: Connections;
  maxFrameBytes: number;
}

function sendFrame(ws: ChatSocket, frame: ServerFrame): void {
  ws.send(JSON.stringify(frame));
}

function sendError(ws: ChatSocket, error: unknown, id?: string): void {
  const { code, message, retryAfterMs } = asChatError(error);
  sendFrame(ws, { type: "error", ...(id === undefined ? {} : { id }), code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

/** The id of a request that failed validation, when one can be read, so the client can match the error. */
function requestIdOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" && id.length <= 64 ? id : undefined;
}

function sinkFor(ws: ChatSocket): FrameSink {
  return {
    send: (frame) => {
      ws.send(frame);
      return ws.getBufferedAmount() < REPLAY_HIGH_WATER;
    },
    drained: () => new Promise<void>((resolve) => ws.data.drainWaiters.push(resolve)),
  };
}

/** Decode → validate → service → encode, for every frame of every device. */
export function webSocketHandler({ messaging, connections, maxFrameBytes }: WebSocketDeps): WebSocketHandler<SocketState> {
  async function handle(ws: ChatSocket, frame: ClientFrame): Promise<void> {
    const actor = ws.data.actor;
    if (frame.type === "hello") {
      if (ws.data.ready) throw new ChatError("bad_request", "This connection already said hello.");
      // Subscribe before replaying: whatever is stored meanwhile arrives live, so nothing falls in between.
      connections.subscribe(ws, userTopic(actor.userId));
      await messaging.replay(actor, frame.cursors, sinkFor(ws));
      ws.data.ready = true;
      sendFrame(ws, { type: "ready", id: frame.id, user: actor.name, device: actor.deviceId });
      return;
    }
    if (!ws.data.ready) throw new ChatError("not_ready", "Send hello before any other frame.");
    switch (frame.type) {
      case "send": {
        const sent = await messaging.send(actor, frame.id, frame.to, frame.text);
        sendFrame(ws, { type: "sent", id: frame.id, ...sent });
        return;
      }
      case "received":
        return messaging.received(actor, frame.conv, frame.seq);
      case "read":
        return messaging.read(actor, frame.conv, frame.seq);
      case "typing":
        return;
    }
  }

  return {
    data: {} as SocketState,
    // Frames above maxFrameBytes get an error frame and the connection stays; this hard cap protects memory.
    maxPayloadLength: Math.max(maxFrameBytes * 4, 1024 * 1024),
    closeOnBackpressureLimit: true,
    backpressureLimit: 8 * 1024 * 1024,
    idleTimeout: 60,
    sendPings: true,

    open(ws) {
      connections.add(ws);
    },

    message(ws, data) {
      if (typeof data !== "string") {
        return sendError(ws, new ChatError("bad_request", "Frames are JSON text; binary frames are not accepted."));
      }
      // A UTF-16 unit is at most 3 UTF-8 bytes: only long frames need counting.
      if (data.length * 3 > maxFrameBytes && Buffer.byteLength(data) > maxFrameBytes) {
        return sendError(ws, new ChatError("frame_too_large", `A frame has at most ${maxFrameBytes} bytes.`));
      }
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        return sendError(ws, new ChatError("bad_request", "The frame is not valid JSON."));
      }
      const parsed = ClientFrame.safeParse(json);
      if (!parsed.success) {
        return sendError(ws, new ChatError("bad_request", `Invalid frame: ${describeIssues(parsed.error)}.`), requestIdOf(json));
      }
      handle(ws, parsed.data).catch((error) => sendError(ws, error, requestIdOf(parsed.data)));
    },

    drain(ws) {
      const waiters = ws.data.drainWaiters.splice(0);
      for (const resolve of waiters) resolve();
    },

    close(ws) {
      connections.remove(ws);
      const waiters = ws.data.drainWaiters.splice(0);
      for (const resolve of waiters) resolve();
    },
  };
}
