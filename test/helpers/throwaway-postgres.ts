import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/** A PostgreSQL cluster of its own in a temp dir, which a test may stop and start without disturbing the shared one. */
export interface ThrowawayPostgres {
  /** Connection URL of its `postgres` database (trust authentication). */
  url: string;
  /** Fast shutdown: PostgreSQL ends every session and exits, as in a planned restart. */
  stop(): Promise<void>;
  /** Immediate shutdown: the server processes quit without cleaning up, as in a crash. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it if running and deletes its files. */
  destroy(): Promise<void>;
}

/**
 * initdb refuses to run as root (CI runs tests as root), so the cluster then
 * belongs to the `postgres` system user that the PostgreSQL package creates.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "chat-pg-"));
  const dataDir = join(dir, "data");
  const asOwner = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  if (asOwner.length > 0) chownSync(dir, Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString()), -1);

  const run = async (...command: string[]) => {
    const child = Bun.spawn([...asOwner, ...command], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    if (code !== 0) throw new Error(`${command.join(" ")} failed (${code}):\n${out}${err}`);
  };
  const port = freePort();
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pgCtl = (mode: "fast" | "immediate" | null, action: "start" | "stop") =>
    run(join(bin, "pg_ctl"), "-D", dataDir, "-l", join(dir, "log"), "-o", serverOptions, "-w", ...(mode ? ["-m", mode] : []), action);

  await run(join(bin, "initdb"), "-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync");
  await pgCtl(null, "start");
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await pgCtl("fast", "stop");
      running = false;
    },
    async crash() {
      await pgCtl("immediate", "stop");
      running = false;
    },
    async start() {
      await pgCtl(null, "start");
      running = true;
    },
    async destroy() {
      if (running) await pgCtl("immediate", "stop");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest installed server, e.g. /usr/lib/postgresql/15/bin (Debian's layout). */
function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {}
  if (!versions[0]) throw new Error(`no PostgreSQL server found under ${root}: install the postgresql package`);
  return join(root, versions[0], "bin");
}
