/**
 * What the kernel allows one process and one destination address: open
 * files (every socket is one, on both ends) and ephemeral ports (about
 * 28,000 per destination address and port on loopback).
 */

/** Connections the bench opens to one loopback address, well inside the default ephemeral range. */
const CONNECTIONS_PER_ADDRESS = 20_000;

/** The soft limit on open files of this process (RLIMIT_NOFILE). */
export async function openFileLimit(): Promise<number> {
  const limits = await Bun.file("/proc/self/limits").text();
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

/**
 * Runs this script again under `ulimit -n <wanted>` when its limit is lower
 * (the servers and load generator it starts inherit it). Raising the hard
 * limit needs root or CAP_SYS_RESOURCE; without them the shell refuses and
 * so does this. Returns only when the limit is already high enough.
 */
export async function ensureOpenFiles(wanted: number): Promise<void> {
  if ((await openFileLimit()) >= wanted) return;
  if (process.env.CHAT_BENCH_ULIMIT_RAISED) throw new Error(`the open-file limit is still under ${wanted} after ulimit -n`);
  const refused = `the open-file limit cannot be raised to ${wanted} here (hard limit: $(ulimit -Hn)); raising it needs CAP_SYS_RESOURCE`;
  const child = Bun.spawn(["sh", "-c", `ulimit -n ${wanted} 2>/dev/null || { echo "${refused}" >&2; exit 1; }; exec "$@"`, "sh", process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, CHAT_BENCH_ULIMIT_RAISED: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.on("SIGINT", () => child.kill("SIGINT"));
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  process.exit(await child.exited);
}

/** The kernel's ephemeral port range (net.ipv4.ip_local_port_range). */
export async function localPortRange(): Promise<[number, number]> {
  const [low, high] = (await Bun.file("/proc/sys/net/ipv4/ip_local_port_range").text()).trim().split(/\s+/).map(Number);
  return [low!, high!];
}

/**
 * Loopback addresses to spread `connections` over: 127.0.0.1, .2, … Every
 * one of 127.0.0.0/8 is this machine, and a server listening on 0.0.0.0
 * answers on all of them, so each brings its own ~28,000 ephemeral ports
 * without widening the port range for the whole (shared) machine.
 */
export function loopbackAddresses(connections: number): string[] {
  const count = Math.max(1, Math.ceil(connections / CONNECTIONS_PER_ADDRESS));
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}
