import { type Account, type BenchConnection, type ConnectionEvents, type TargetDriver, encodeSend, openSocket, watchDrops } from "./driver.ts";

/** Speaks the relay protocol of bench/baselines (ceiling and peer): no accounts, no storage, no answers. */
export function relayDriver(baseUrl: string): TargetDriver {
  const wsBase = baseUrl.replace(/^http/, "ws");
  return {
    stores: false,
    confirmsSends: false,
    async createAccounts(names) {
      return names.map((name) => ({ name }));
    },
    async seedAccounts(names, devicesPerAccount) {
      return names.flatMap((name) => Array.from({ length: devicesPerAccount }, () => ({ name })));
    },
    async connect(account: Account, events: ConnectionEvents, groups = []): Promise<BenchConnection> {
      const query = new URLSearchParams({ user: account.name, groups: groups.join(",") });
      const socket = await openSocket(`${wsBase}/ws?${query}`);
      socket.addEventListener("message", (event) => {
        const frame = JSON.parse(String(event.data));
        if (frame.type === "message") events.message(frame.text, frame.from);
      });
      return { send: (to, id, text) => socket.send(encodeSend(to, id, text)), close: watchDrops(socket, events) };
    },
    // Relay groups are plain topics: joining is subscribing at connect time.
    async createGroup() {},
  } satisfies TargetDriver;
}
