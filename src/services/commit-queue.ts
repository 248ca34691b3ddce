/** How an item keeps its place among the items of the same sender and conversation. */
export interface Lane {
  /** Items with the same key are stored in push order, and never in a later batch than a failed one. */
  key: string;
  /** Called synchronously when the item fails, before anything else can be pushed. */
  failed(error: unknown): void;
}

interface Entry<Item, Result> {
  item: Item;
  lane?: Lane;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items pushed during one event-loop turn are written in one
 * batch, and each caller's promise settles when that batch has committed.
 * Up to `depth` batches are in flight: the store is handed the next batch
 * while it still commits the previous one, so it never waits for us between
 * commits. While one is in flight, the next starts no sooner than `busyGapMs`
 * after it: a commit costs far more than an item (an fsync, a wake-up of each
 * thread, a write to each socket), so a busy store takes fewer, larger batches,
 * at a cost in latency of at most that gap; an idle store commits at once.
 * The store commits overlapping batches in the order it got them, so batches
 * commit, and their callers resume, in the order they were pushed.
 *
 * Items of one lane (one connection's events of one conversation) are never
 * in two batches at once: a later item waits until the batch with the earlier
 * one has committed. If that batch fails, the lane's waiting items fail with
 * it, so nothing of the lane is stored after an earlier item that was not.
 */
export class CommitQueue<Item, Result> {
  private pending: Array<Entry<Item, Result>> = [];
  private scheduled = false;
  /** Batches handed to the store and not yet settled, oldest first. */
  private inFlight: Array<Promise<void>> = [];
  /** Lanes with items in a batch in flight, and how many such batches. */
  private readonly busyLanes = new Map<string, number>();

  private lastStartedAt = -Infinity;
  private readonly depth: number;
  private readonly maxBatch: number;
  private readonly busyGapMs: number;

  constructor(
    private readonly commit: (items: Item[]) => Promise<Result[]>,
    { depth = 2, maxBatch = 2000, busyGapMs = 0 }: { depth?: number; maxBatch?: number; busyGapMs?: number } = {},
  ) {
    this.depth = depth;
    this.maxBatch = maxBatch;
    this.busyGapMs = busyGapMs;
  }

  push(item: Item, lane?: Lane): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject, ...(lane ? { lane } : {}) });
      this.schedule();
    });
  }

  /** Items pushed and not yet handed to the store. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Resolves once everything pushed so far has committed (or failed). */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0 || this.pending.length > 0) {
      if (this.inFlight.length < this.depth) this.flush();
      if (this.inFlight.length === 0) continue;
      await this.inFlight[0];
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight.length >= this.depth) return;
    this.scheduled = true;
    const wait = this.inFlight.length === 0 ? 0 : this.lastStartedAt + this.busyGapMs - performance.now();
    // setImmediate, not a microtask: it lets every frame read in this turn join the batch.
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inFlight.length >= this.depth) return;
    const batch: Array<Entry<Item, Result>> = [];
    const held: Array<Entry<Item, Result>> = [];
    for (const entry of this.pending) {
      if (batch.length >= this.maxBatch || (entry.lane && this.busyLanes.has(entry.lane.key))) held.push(entry);
      else batch.push(entry);
    }
    this.pending = held;
    if (batch.length === 0) return;
    this.lastStartedAt = performance.now();
    const lanes = [...new Set(batch.flatMap((entry) => (entry.lane ? [entry.lane.key] : [])))];
    for (const key of lanes) this.busyLanes.set(key, (this.busyLanes.get(key) ?? 0) + 1);
    const committed = this.commitBatch(batch, lanes).finally(() => {
      this.inFlight.splice(this.inFlight.indexOf(committed), 1);
      if (this.pending.length > 0) this.schedule();
    });
    this.inFlight.push(committed);
  }

  private async commitBatch(batch: Array<Entry<Item, Result>>, lanes: string[]): Promise<void> {
    let results: Result[];
    try {
      results = await this.commit(batch.map((entry) => entry.item));
    } catch (error) {
      this.release(lanes);
      for (const entry of batch) entry.lane?.failed(error);
      // The lanes' later items fail too, before anything else can be pushed behind them.
      const failedLanes = new Set(lanes);
      const dropped = this.pending.filter((entry) => entry.lane && failedLanes.has(entry.lane.key));
      this.pending = this.pending.filter((entry) => !(entry.lane && failedLanes.has(entry.lane.key)));
      for (const entry of dropped) entry.lane!.failed(error);
      for (const entry of batch) entry.reject(error);
      for (const entry of dropped) entry.reject(error);
      return;
    }
    this.release(lanes);
    batch.forEach((entry, index) => entry.resolve(results[index]!));
  }

  private release(lanes: string[]): void {
    for (const key of lanes) {
      const count = (this.busyLanes.get(key) ?? 1) - 1;
      if (count === 0) this.busyLanes.delete(key);
      else this.busyLanes.set(key, count);
    }
  }
}
