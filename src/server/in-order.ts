/**
 * Runs asynchronous steps one after another, in the order they were given,
 * however long each one waits: a step starts when the one before it has settled.
 */
export class InOrder {
  /** Settles after the last step given; undefined once it has (nothing to wait for). */
  private last: Promise<unknown> | undefined;

  run<T>(step: () => Promise<T>): Promise<T> {
    // With nothing before it still running, the step starts now rather than a turn later: one promise less per step.
    const result = this.last ? this.last.then(step) : step();
    const settled: Promise<void> = result.then(
      () => this.forget(settled),
      () => this.forget(settled),
    );
    this.last = settled;
    return result;
  }

  private forget(settled: Promise<void>): void {
    if (this.last === settled) this.last = undefined;
  }
}
