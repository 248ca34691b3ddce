import type { Server, ServerWebSocket } from "bun";
import type { Bus } from "../bus/bus.ts";
import type { DeviceId } from "../domain/types.ts";
import type { Actor } from "../services/accounts.ts";
import type { Fanout } from "../services/fanout.ts";

/** What the server keeps on each socket. */
export interface SocketState {
  actor: Actor;
  /** Set once `hello` has been answered; other frames wait for it. */
  ready: boolean;
  /** Topics this socket is subscribed to, watched on the bus while it lives. */
  topics: Set<string>;
  /** Resolvers waiting for this socket's send buffer to drain. */
  drainWaiters: Array<() => void>;
}

export type ChatSocket = ServerWebSocket<SocketState>;

/**
 * The sockets on this server, by device, and delivery to them: locally through
 * Bun's topic publish (one serialisation, one call per topic, however many
 * subscribers), to other servers through the bus.
 */
export class Connections implements Fanout {
  private readonly byDevice = new Map<DeviceId, ChatSocket>();
  private server: Server<SocketState> | undefined;

  constructor(private readonly bus: Bus) {
    bus.onFrame((topic, frame) => this.server?.publish(topic, frame));
  }

  attach(server: Server<SocketState>): void {
    this.server = server;
  }

  /** Registers a socket; an older socket of the same device is replaced (closed). */
  add(ws: ChatSocket): void {
    const previous = this.byDevice.get(ws.data.actor.deviceId);
    this.byDevice.set(ws.data.actor.deviceId, ws);
    previous?.close(1000, "replaced by a newer connection of this device");
  }

  remove(ws: ChatSocket): void {
    if (this.byDevice.get(ws.data.actor.deviceId) === ws) this.byDevice.delete(ws.data.actor.deviceId);
    for (const topic of ws.data.topics) this.bus.unwatch(topic);
    ws.data.topics.clear();
  }

  subscribe(ws: ChatSocket, topic: string): void {
    if (ws.data.topics.has(topic)) return;
    ws.data.topics.add(topic);
    ws.subscribe(topic);
    this.bus.watch(topic);
  }

  /** Closes the socket of a device, if it is on this server. */
  disconnect(deviceId: DeviceId, code: number, reason: string): void {
    this.byDevice.get(deviceId)?.close(code, reason);
  }

  publish(topic: string, frame: string, except?: DeviceId): void {
    const origin = except === undefined ? undefined : this.byDevice.get(except);
    // ws.publish reaches every subscriber but the socket itself.
    if (origin?.data.topics.has(topic)) origin.publish(topic, frame);
    else this.server?.publish(topic, frame);
    this.bus.publish(topic, frame);
  }

  /** Closes every socket with "going away", so clients reconnect elsewhere or later. */
  closeAll(reason: string): void {
    for (const ws of this.byDevice.values()) ws.close(1001, reason);
  }

  get size(): number {
    return this.byDevice.size;
  }
}
