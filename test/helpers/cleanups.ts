import { afterEach } from "bun:test";

/**
 * Things a test started and must stop, undone after each test in reverse
 * order (sockets before the servers they talk to). Call once per file or
 * describe block; use the returned function to register each undo.
 */
export function cleanupAfterEach(): (undo: () => unknown) => void {
  const undos: Array<() => unknown> = [];
  afterEach(async () => {
    for (const undo of undos.splice(0).reverse()) await undo();
  });
  return (undo) => void undos.push(undo);
}
