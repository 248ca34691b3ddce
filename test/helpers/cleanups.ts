import { afterEach } from "bun:test";

/**
 * Things a test started and must stop, undone after each test in reverse
 * order (sockets before the servers they talk to). Call once per file or
 * describe block; use the returned function to register each undo. Every
 * undo runs even when one before it fails, so one stuck socket cannot leave
 * servers running; the failures are reported together afterwards.
 */
export function cleanupAfterEach(): (undo: () => unknown) => void {
  const undos: Array<() => unknown> = [];
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const undo of undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} clean-up step(s) failed`);
  });
  return (undo) => void undos.push(undo);
}
