import type { Server, ServerWebSocket } from "bun";
import { z } from "zod";
import type { Bus } from "../bus/bus.ts";
import type { DeviceId, UserId } from "../domain/types.ts";
import type { InOrder } from "./in-order.ts";
import type { Actor } from "../services/accounts.ts";
import type { Fanout } from "../services/fanout.ts";
import type { ReportProblem } from "../services/problems.ts";

/** What the server keeps on each socket. */
export interface SocketState {
  actor: Actor;
  /** The client's address (behind a trusted proxy, the one it names), for logs. */
  address: string;
  /** Set once `hello` has been answered; other frames wait for it. */
  ready: boolean;
  /** Topics this socket is subscribed to, watched on the bus while it lives (a few: an array is the smallest). */
  topics: string[];
  /** Replies queued to be written together (see sendFrame); created when first needed. */
  outgoing?: string[];
  /** Resolvers waiting for this socket's send buffer to drain; created when first needed. */
  drainWaiters?: Array<() => void>;
  /** Admits and queues this socket's messages one at a time, so they are stored in the order sent; created when first needed. */
  sendOrder?: InOrder;
}

export type ChatSocket = ServerWebSocket<SocketState>;

/** Instructions between servers about a user's sockets, on the user's control topic. */
const ControlMessage = z.discriminatedUnion("op", [
  z.object({ op: z.literal("join"), topic: z.string() }),
  z.object({ op: z.literal("leave"), topic: z.string() }),
  z.object({ op: z.literal("disconnect"), device: z.number().int(), code: z.number().int(), reason: z.string() }),
]);
type ControlMessage = z.infer<typeof ControlMessage>;

const controlTopic = (userId: UserId) => `x${userId}`;

function parseControl(encoded: string): ControlMessage | undefined {
  try {
    return ControlMessage.parse(JSON.parse(encoded));
  } catch {
    return undefined;
  }
}
const CONTROL_PREFIX = "x";

/**
 * The sockets on this server, by device and by user, and delivery to them:
 * locally through Bun's topic publish (one serialisation, one call per topic,
 * however many subscribers), to other servers through the bus.
 */
export class Connections implements Fanout {
  private readonly byDevice = new Map<DeviceId, ChatSocket>();
  /** One socket, or a set when the user has several devices here: most users have one, and a Set per user costs memory. */
  private readonly byUser = new Map<UserId, ChatSocket | Set<ChatSocket>>();
  /** Sockets here per topic, kept as they subscribe: Bun's own count costs a native call per message counted. */
  private readonly subscribers = new Map<string, number>();
  private server: Server<SocketState> | undefined;
  private relayListener: ((topic: string, frame: string) => void) | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly reportProblem: ReportProblem,
  ) {
    bus.onFrame((topic, frame) => {
      if (topic.startsWith(CONTROL_PREFIX)) return this.applyControl(Number(topic.slice(CONTROL_PREFIX.length)), frame);
      this.server?.publish(topic, frame);
      this.relayListener?.(topic, frame);
    });
  }

  /** `listener` hears of every frame from another server handed to the sockets here. */
  onRelayed(listener: (topic: string, frame: string) => void): void {
    this.relayListener = listener;
  }

  /** `handler` gets every socket here when frames from other servers may have been lost (the bus reconnected). */
  onMissedFrames(handler: (sockets: ChatSocket[]) => void): void {
    this.bus.onMissedFrames(() => handler([...this.byDevice.values()]));
  }

  attach(server: Server<SocketState>): void {
    this.server = server;
  }

  /** Registers a socket; an older socket of the same device is replaced (closed). */
  async add(ws: ChatSocket): Promise<void> {
    const { deviceId, userId } = ws.data.actor;
    const previous = this.byDevice.get(deviceId);
    this.byDevice.set(deviceId, ws);
    previous?.close(1000, "replaced by a newer connection of this device");
    const present = this.byUser.get(userId);
    if (present === undefined) this.byUser.set(userId, ws);
    else if (present instanceof Set) present.add(ws);
    else this.byUser.set(userId, new Set([present, ws]));
    // Control messages are for this server, never for the socket: watch the bus only.
    if (present === undefined) await this.bus.watch(controlTopic(userId));
  }

  remove(ws: ChatSocket): void {
    const { deviceId, userId } = ws.data.actor;
    if (this.byDevice.get(deviceId) === ws) this.byDevice.delete(deviceId);
    const present = this.byUser.get(userId);
    if (present instanceof Set) {
      present.delete(ws);
      if (present.size === 1) this.byUser.set(userId, [...present][0]!);
    } else if (present === ws) {
      this.byUser.delete(userId);
      void this.bus.unwatch(controlTopic(userId));
    }
    for (const topic of ws.data.topics) {
      this.countSubscriber(topic, -1);
      void this.bus.unwatch(topic);
    }
    ws.data.topics = [];
  }

  /** Subscribes the socket here and makes sure frames for the topic published on other servers arrive. */
  async subscribe(ws: ChatSocket, topic: string): Promise<void> {
    // A socket that closed meanwhile (its hello still reading) was removed already: nothing of it may stay counted or watched.
    if (ws.data.topics.includes(topic) || ws.readyState !== 1) return;
    ws.data.topics.push(topic);
    ws.subscribe(topic);
    this.countSubscriber(topic, 1);
    await this.bus.watch(topic);
  }

  unsubscribe(ws: ChatSocket, topic: string): void {
    const index = ws.data.topics.indexOf(topic);
    if (index < 0) return;
    ws.data.topics.splice(index, 1);
    ws.unsubscribe(topic);
    this.countSubscriber(topic, -1);
    void this.bus.unwatch(topic);
  }

  publish(topic: string, frame: string, except?: DeviceId): void {
    const origin = except === undefined ? undefined : this.byDevice.get(except);
    // ws.publish reaches every subscriber but the socket itself.
    if (origin?.data.topics.includes(topic)) origin.publish(topic, frame);
    else this.server?.publish(topic, frame);
    this.bus.publish(topic, frame);
  }

  join(userId: UserId, topic: string): void {
    this.control(userId, { op: "join", topic });
  }

  leave(userId: UserId, topic: string): void {
    this.control(userId, { op: "leave", topic });
  }

  disconnect(userId: UserId, deviceId: DeviceId, code: number, reason: string): void {
    this.control(userId, { op: "disconnect", device: deviceId, code, reason });
  }

  /** Every device with a socket on this server, and its user. */
  connectedDevices(): Array<{ userId: UserId; deviceId: DeviceId }> {
    return [...this.byDevice.entries()].map(([deviceId, ws]) => ({ userId: ws.data.actor.userId, deviceId }));
  }

  /** Closes every socket with "going away", so clients reconnect elsewhere or later. */
  closeAll(reason: string): void {
    for (const ws of this.byDevice.values()) ws.close(1001, reason);
  }

  get size(): number {
    return this.byDevice.size;
  }

  /** How many sockets on this server a `publish(topic, frame, except)` reaches. */
  localReach(topic: string, except?: DeviceId): number {
    const subscribers = this.subscribers.get(topic) ?? 0;
    const skipped = except !== undefined && this.byDevice.get(except)?.data.topics.includes(topic) ? 1 : 0;
    return subscribers - skipped;
  }

  private countSubscriber(topic: string, change: 1 | -1): void {
    const count = (this.subscribers.get(topic) ?? 0) + change;
    if (count > 0) this.subscribers.set(topic, count);
    else this.subscribers.delete(topic);
  }

  private control(userId: UserId, message: ControlMessage): void {
    const encoded = JSON.stringify(message);
    this.applyControl(userId, encoded);
    this.bus.publish(controlTopic(userId), encoded);
  }

  private applyControl(userId: UserId, encoded: string): void {
    const message = parseControl(encoded);
    if (!message) return this.reportProblem("ignored a malformed control message from the bus", encoded.slice(0, 200));
    for (const ws of socketsIn(this.byUser.get(userId))) {
      if (message.op === "join") void this.subscribe(ws, message.topic);
      else if (message.op === "leave") this.unsubscribe(ws, message.topic);
      else if (ws.data.actor.deviceId === message.device) ws.close(message.code, message.reason);
    }
  }
}

function socketsIn(present: ChatSocket | Set<ChatSocket> | undefined): Iterable<ChatSocket> {
  if (present === undefined) return [];
  return present instanceof Set ? present : [present];
}
