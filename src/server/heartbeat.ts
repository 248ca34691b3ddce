/** What the heartbeat needs of a socket: Bun's ServerWebSocket has both. */
export interface PingableSocket {
  ping(): unknown;
  /** Drops the connection without a closing handshake: a dead peer would never answer one. */
  terminate(): void;
}

/** How often a slice of the sockets is swept: pinging every socket at once stalled the server (10,000 pings, ~50 ms). */
const SLICE_EVERY_MS = 100;

/**
 * Finds connections whose peer went away without closing (a pulled cable, a
 * sleeping laptop): each socket is pinged every third of `deadAfterMs`, and
 * one not heard from (no frame, no pong) for `deadAfterMs` is terminated. So
 * a dead connection is closed within `deadAfterMs` plus one ping interval.
 * The sockets are dealt into slices, one swept every SLICE_EVERY_MS, so the
 * pings (and the pongs they bring back) spread evenly over the interval.
 *
 * Bun's own idle timeout is not enough: sending to a client resets it, so a
 * dead client that keeps receiving messages would never be reaped.
 */
export class Heartbeat<Socket extends PingableSocket> {
  private readonly lastHeard = new Map<Socket, number>();
  private readonly slices: Array<Set<Socket>>;
  private readonly sliceOf = new Map<Socket, Set<Socket>>();
  private nextSlice = 0;
  private sweeps = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly deadAfterMs: number,
    private readonly onDead: (socket: Socket) => void,
    private readonly now: () => number = Date.now,
  ) {
    const pingEveryMs = Math.max(1, Math.floor(deadAfterMs / 3));
    const count = Math.max(1, Math.round(pingEveryMs / SLICE_EVERY_MS));
    this.slices = Array.from({ length: count }, () => new Set<Socket>());
    this.timer = setInterval(() => this.sweep(this.slices[this.sweeps++ % count]!), pingEveryMs / count);
    this.timer.unref();
  }

  add(socket: Socket): void {
    this.lastHeard.set(socket, this.now());
    const slice = this.slices[this.nextSlice++ % this.slices.length]!;
    slice.add(socket);
    this.sliceOf.set(socket, slice);
  }

  /** The peer sent something (a frame or a pong): it is alive. */
  heard(socket: Socket): void {
    if (this.lastHeard.has(socket)) this.lastHeard.set(socket, this.now());
  }

  remove(socket: Socket): void {
    this.lastHeard.delete(socket);
    this.sliceOf.get(socket)?.delete(socket);
    this.sliceOf.delete(socket);
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

  private sweep(slice: Set<Socket>): void {
    const now = this.now();
    for (const socket of slice) {
      if (now - this.lastHeard.get(socket)! >= this.deadAfterMs) {
        this.remove(socket);
        this.onDead(socket);
        socket.terminate();
      } else {
        socket.ping();
      }
    }
  }
}
