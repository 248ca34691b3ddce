/** What the heartbeat needs of a socket: Bun's ServerWebSocket has both. */
export interface PingableSocket {
  ping(): unknown;
  /** Drops the connection without a closing handshake: a dead peer would never answer one. */
  terminate(): void;
}

/**
 * Finds connections whose peer went away without closing (a pulled cable, a
 * sleeping laptop): each socket is pinged every third of `deadAfterMs`, and
 * one not heard from (no frame, no pong) for `deadAfterMs` is terminated. So
 * a dead connection is closed within `deadAfterMs` plus one ping interval.
 *
 * Bun's own idle timeout is not enough: sending to a client resets it, so a
 * dead client that keeps receiving messages would never be reaped.
 */
export class Heartbeat<Socket extends PingableSocket> {
  private readonly lastHeard = new Map<Socket, number>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly deadAfterMs: number,
    private readonly onDead: (socket: Socket) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(deadAfterMs / 3)));
    this.timer.unref();
  }

  add(socket: Socket): void {
    this.lastHeard.set(socket, this.now());
  }

  /** The peer sent something (a frame or a pong): it is alive. */
  heard(socket: Socket): void {
    if (this.lastHeard.has(socket)) this.lastHeard.set(socket, this.now());
  }

  remove(socket: Socket): void {
    this.lastHeard.delete(socket);
  }

  /** The open sockets. */
  sockets(): IterableIterator<Socket> {
    return this.lastHeard.keys();
  }

  get size(): number {
    return this.lastHeard.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const now = this.now();
    for (const [socket, heardAt] of this.lastHeard) {
      if (now - heardAt >= this.deadAfterMs) {
        this.lastHeard.delete(socket);
        this.onDead(socket);
        socket.terminate();
      } else {
        socket.ping();
      }
    }
  }
}
