/** Pause between two looks at a state that has no event to await. */
const POLL_INTERVAL_MS = 20;

/**
 * Asks `probe` again and again until `accept` likes its answer, and resolves
 * with that answer; a probe that throws counts as not yet. Fails after
 * `timeoutMs`, naming `what` was awaited and the last answer seen. For states
 * that only change with time (an expiry), where no event can be awaited.
 */
export async function eventually<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = "no answer yet";
  for (;;) {
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last answer: ${Bun.inspect(last)}`);
    await Bun.sleep(POLL_INTERVAL_MS);
  }
}
