/**
 * Group commit: items pushed during one event-loop turn are written in one
 * batch, and each caller's promise settles when that batch has committed.
 * One batch is in flight at a time, so batches commit, and their callers
 * resume, in the order they were pushed.
 */
export class CommitQueue<Item, Result> {
  private pending: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  /** The batch being committed, if any. */
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly commit: (items: Item[]) => Promise<Result[]>,
    private readonly maxBatch = 2000,
  ) {}

  push(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything pushed so far has committed (or failed). */
  async drain(): Promise<void> {
    while (this.inFlight || this.pending.length > 0) await (this.inFlight ?? this.flush());
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // setImmediate, not a microtask: it lets every frame read in this turn join the batch.
    setImmediate(() => void this.flush());
  }

  private flush(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return Promise.resolve();
    this.inFlight = this.commitBatch(batch).finally(() => {
      this.inFlight = undefined;
      if (this.pending.length > 0) this.schedule();
    });
    return this.inFlight;
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
