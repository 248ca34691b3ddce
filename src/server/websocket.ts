import type { WebSocketHandler } from "bun";
import { ChatError, ClientFrame, describeIssues, type ServerFrame } from "../protocol/index.ts";
import { userTopic } from "../domain/delivery.ts";
import type { Messaging } from "../services/messaging.ts";
import type { FrameSink } from "../services/fanout.ts";
import type { DeviceActivity } from "../services/device-activity.ts";
import type { PresenceService } from "../services/presence.ts";
import type { Typing } from "../services/typing.ts";
import type { ChatMetrics } from "./chat-metrics.ts";
import type { ChatSocket, Connections, SocketState } from "./connections.ts";
import { asChatError } from "./errors.ts";
import { InOrder } from "./in-order.ts";
import { SendOrder } from "../services/send-order.ts";
import type { Heartbeat } from "./heartbeat.ts";
import type { Logger } from "./log.ts";
import type { TrafficLimits } from "./traffic-limits.ts";

/** Above this many buffered bytes a replay waits for the socket to drain instead of piling up frames. */
const REPLAY_HIGH_WATER = 1024 * 1024;

export interface WebSocketDeps {
  messaging: Messaging;
  presence: PresenceService;
  activity: DeviceActivity;
  typing: Typing;
  connections: Connections;
  maxFrameBytes: number;
  /** A client with this much queued and unread is disconnected; it catches up from the store when it reconnects. */
  maxBufferedBytes: number;
  limits: TrafficLimits;
  heartbeat: Heartbeat<ChatSocket>;
  metrics: ChatMetrics;
  log: Logger;
}

/** Sockets with replies waiting; written out together, corked, once the current turn's promises have run. */
const waitingToWrite = new Set<ChatSocket>();

/**
 * Replies are queued and written corked, in one write per socket per turn:
 * they come from promise continuations after a commit, outside uWebSockets'
 * callbacks, where every plain send would be a system call of its own.
 */
function sendFrame(ws: ChatSocket, frame: ServerFrame): void {
  (ws.data.outgoing ??= []).push(JSON.stringify(frame));
  if (waitingToWrite.size === 0) queueMicrotask(writeWaiting);
  waitingToWrite.add(ws);
}

function writeWaiting(): void {
  for (const ws of waitingToWrite) {
    const frames = ws.data.outgoing!;
    ws.data.outgoing = undefined;
    if (ws.readyState === 1) ws.cork(() => frames.forEach((frame) => ws.send(frame)));
  }
  waitingToWrite.clear();
}

function sendError(ws: ChatSocket, { code, message, retryAfterMs }: ChatError, id?: string): void {
  sendFrame(ws, { type: "error", ...(id === undefined ? {} : { id }), code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

const sendOrders = new WeakMap<ChatSocket, SendOrder>();

/** The socket's order of events per conversation: which refused event later ones wait for. */
function sendOrderOf(ws: ChatSocket): SendOrder {
  let order = sendOrders.get(ws);
  if (!order) sendOrders.set(ws, (order = new SendOrder()));
  return order;
}

const EVENT_TYPES = new Set(["send", "edit", "delete", "react", "timer"]);

function isEventRequest(value: unknown): boolean {
  return typeof value === "object" && value !== null && EVENT_TYPES.has(String((value as { type?: unknown }).type));
}

/** The id of a request that failed validation, when one can be read, so the client can match the error. */
function requestIdOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" && id.length <= 64 ? id : undefined;
}

function sinkFor(ws: ChatSocket, highWater: number, onSend: (frame: string) => void): FrameSink {
  return {
    send: (frame) => {
      ws.send(frame);
      onSend(frame);
      return ws.getBufferedAmount() < highWater;
    },
    drained: () => new Promise<void>((resolve) => (ws.data.drainWaiters ??= []).push(resolve)),
  };
}

/** Decode → validate → service → encode, for every frame of every device. */
export function webSocketHandler(deps: WebSocketDeps): WebSocketHandler<SocketState> {
  const { messaging, presence, activity, typing, connections, maxFrameBytes, maxBufferedBytes, limits, heartbeat, metrics, log } = deps;
  // A replay pauses well below the limit, so catching up never gets a client disconnected.
  const replayHighWater = Math.min(REPLAY_HIGH_WATER, maxBufferedBytes / 4);
  const countOut = (frame: string) => metrics.countOut(frame);

  function fail(ws: ChatSocket, error: unknown, id?: string): void {
    const chatError = asChatError(error, log);
    metrics.errors.inc({ code: chatError.code });
    sendError(ws, chatError, id);
  }

  /**
   * Brings a device up to date: subscribes it to its conversations, then
   * replays what is stored after its cursors. Subscribing first means whatever
   * is stored meanwhile arrives live, so nothing falls in between.
   */
  async function catchUp(ws: ChatSocket, cursors?: Record<string, number>): Promise<void> {
    const actor = ws.data.actor;
    const conversations = await messaging.conversations(actor);
    const topics = new Set([userTopic(actor.userId), ...conversations.map((conversation) => conversation.topic)]);
    await Promise.all([...topics].map((topic) => connections.subscribe(ws, topic)));
    const sink = sinkFor(ws, replayHighWater, countOut);
    await messaging.replay(actor, conversations, cursors, sink);
    for (const notice of await presence.snapshot(actor)) if (!sink.send(JSON.stringify(notice))) await sink.drained();
  }

  // Frames from other servers may have been lost while the bus was down: every device here
  // replays from the store (it drops by seq what it already has). Delayed, not lost.
  connections.onMissedFrames((sockets) => {
    for (const ws of sockets) {
      if (ws.data.ready) catchUp(ws).catch((error) => log.warn("catch-up after a bus outage failed", { device: ws.data.actor.deviceId, error: String(error) }));
    }
  });

  async function handle(ws: ChatSocket, frame: ClientFrame, arrivedAt: number): Promise<void> {
    const actor = ws.data.actor;
    if (frame.type === "ping") return sendFrame(ws, { type: "pong", id: frame.id });
    if (frame.type === "hello") {
      if (ws.data.ready) throw new ChatError("bad_request", "This connection already said hello.");
      await catchUp(ws, frame.cursors);
      ws.data.ready = true;
      const frames = limits.frameRate ? { frames: { perSecond: limits.frameRate.perSecond, burst: limits.frameRate.capacity } } : {};
      sendFrame(ws, { type: "ready", id: frame.id, user: actor.name, device: actor.deviceId, ...frames });
      return;
    }
    if (!ws.data.ready) throw new ChatError("not_ready", "Send hello before any other frame.");
    switch (frame.type) {
      case "send":
      case "edit":
      case "delete":
      case "react":
      case "timer": {
        // Only admission and queueing go one at a time; the commits of a socket's events overlap.
        // After a retryable refusal, later events of the conversation are refused until the refused one comes again.
        const order = sendOrderOf(ws);
        const { stored } = await (ws.data.sendOrder ??= new InOrder()).run(async () => {
          order.admit("any", frame.id);
          try {
            await limits.admitMessage(actor.userId);
          } catch (error) {
            order.refuse("any", frame.id, error);
            throw error;
          }
          return messaging.accept(actor, frame, order);
        });
        const sent = await stored;
        metrics.deliverySeconds.observe((performance.now() - arrivedAt) / 1000);
        sendFrame(ws, { type: "sent", id: frame.id, ...sent });
        return;
      }
      case "received":
        return messaging.received(actor, frame.conv, frame.seq);
      case "read":
        return messaging.read(actor, frame.conv, frame.seq);
      case "typing":
        return typing.typing(actor, frame.to);
    }
  }

  return {
    data: {} as SocketState,
    // Frames above maxFrameBytes get an error frame and the connection stays; this hard cap protects memory.
    maxPayloadLength: Math.max(maxFrameBytes * 4, 1024 * 1024),
    closeOnBackpressureLimit: true,
    backpressureLimit: maxBufferedBytes,
    // The heartbeat finds dead connections: Bun's idle timer is reset by sending, so it misses a dead client that is being sent to.
    idleTimeout: 0,
    sendPings: false,

    async open(ws) {
      heartbeat.add(ws);
      log.debug("connection opened", { user: ws.data.actor.name, device: ws.data.actor.deviceId, address: ws.remoteAddress });
      await connections.add(ws);
      activity.deviceConnected(ws.data.actor.deviceId);
      await presence.deviceConnected(ws.data.actor);
    },

    message(ws, data) {
      const arrivedAt = performance.now();
      heartbeat.heard(ws);
      if (typeof data !== "string") {
        return fail(ws, new ChatError("bad_request", "Frames are JSON text; binary frames are not accepted."));
      }
      // A UTF-16 unit is at most 3 UTF-8 bytes: only long frames need counting.
      if (data.length * 3 > maxFrameBytes && Buffer.byteLength(data) > maxFrameBytes) {
        return fail(ws, new ChatError("frame_too_large", `A frame has at most ${maxFrameBytes} bytes.`));
      }
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        return fail(ws, new ChatError("bad_request", "The frame is not valid JSON."));
      }
      try {
        limits.admitFrame(ws);
      } catch (error) {
        const id = requestIdOf(json);
        if (id === undefined || !isEventRequest(json)) return fail(ws, error, id);
        // In turn with the events before it: those may still be stored, the ones after it wait for it.
        void (ws.data.sendOrder ??= new InOrder()).run(async () => sendOrderOf(ws).refuse("any", id, error));
        return fail(ws, error, id);
      }
      const parsed = ClientFrame.safeParse(json);
      if (!parsed.success) {
        return fail(ws, new ChatError("bad_request", `Invalid frame: ${describeIssues(parsed.error)}.`), requestIdOf(json));
      }
      handle(ws, parsed.data, arrivedAt).catch((error) => fail(ws, error, requestIdOf(parsed.data)));
    },

    pong(ws) {
      heartbeat.heard(ws);
    },

    drain(ws) {
      const waiters = ws.data.drainWaiters?.splice(0) ?? [];
      for (const resolve of waiters) resolve();
    },

    close(ws, code) {
      heartbeat.remove(ws);
      log.debug("connection closed", { user: ws.data.actor.name, device: ws.data.actor.deviceId, code });
      connections.remove(ws);
      activity.deviceDisconnected(ws.data.actor.deviceId);
      presence.deviceDisconnected(ws.data.actor).catch((error) => log.warn("presence update failed", { error: String(error) }));
      const waiters = ws.data.drainWaiters?.splice(0) ?? [];
      for (const resolve of waiters) resolve();
    },
  };
}
