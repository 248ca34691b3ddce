/**
 * Group commit: items pushed during one event-loop turn are written in one
 * batch, and each caller's promise settles when that batch has committed.
 * Up to `depth` batches are in flight: the store is handed the next batch
 * while it still commits the previous one, so it never waits for us between
 * commits. The store commits overlapping batches in the order it got them, so
 * batches commit, and their callers resume, in the order they were pushed.
 */
export class CommitQueue<Item, Result> {
  private pending: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  /** Batches handed to the store and not yet settled, oldest first. */
  private inFlight: Array<Promise<void>> = [];

  constructor(
    private readonly commit: (items: Item[]) => Promise<Result[]>,
    private readonly depth = 2,
    private readonly maxBatch = 2000,
  ) {}

  push(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
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
      await this.inFlight[0];
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight.length >= this.depth) return;
    this.scheduled = true;
    // setImmediate, not a microtask: it lets every frame read in this turn join the batch.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inFlight.length >= this.depth) return;
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    const committed = this.commitBatch(batch).finally(() => {
      this.inFlight.splice(this.inFlight.indexOf(committed), 1);
      if (this.pending.length > 0) this.schedule();
    });
    this.inFlight.push(committed);
  }

  private async commitBatch(batch: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }>): Promise<void> {
    try {
      const results = await this.commit(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]!));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
