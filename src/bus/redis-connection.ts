import type { RedisClient } from "bun";

/** Pause before reconnecting by hand once Bun's client has used up its own retries. */
const RECONNECT_DELAY_MS = 1000;

/**
 * Keeps `client` connected until `isClosing()` says otherwise. Bun's client
 * reconnects by itself, but after its retries run out it closes for good and
 * fails every later command (checked on Bun 1.4.5), so a closed connection is
 * reopened by hand, once a second, for as long as it takes.
 */
export function keepConnected(client: RedisClient, isClosing: () => boolean): void {
  let retry: ReturnType<typeof setTimeout> | undefined;
  const reopen = () => {
    if (isClosing() || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (!isClosing()) client.connect().catch(reopen);
    }, RECONNECT_DELAY_MS);
    retry.unref();
  };
  client.onclose = reopen;
}
