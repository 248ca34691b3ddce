/**
 * Runs asynchronous steps one after another, in the order they were given,
 * however long each one waits: a step starts when the one before it has settled.
 */
export class InOrder {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.last.then(step);
    this.last = result.catch(() => {});
    return result;
  }
}
