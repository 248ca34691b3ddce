import { networkInterfaces } from "node:os";

/**
 * An IPv4 address of this machine other than loopback, for a request from a peer that is neither loopback nor a
 * trusted proxy (to a server listening on 0.0.0.0); undefined on a machine without one.
 */
export const OUTSIDE_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && entry.family === "IPv4" && !entry.internal)?.address;
