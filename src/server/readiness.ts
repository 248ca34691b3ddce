/** One dependency the server needs to serve: resolves when it answers, rejects (or hangs) when it does not. */
export type ReadinessProbe = () => Promise<void>;

export interface Readiness {
  ready: boolean;
  /** Each dependency: "ok" or "unreachable". Safe to show anyone: no addresses or driver messages. */
  checks: Record<string, "ok" | "unreachable">;
  /** What went wrong with each unreachable dependency, for the log. */
  problems: Record<string, string>;
}

/** Runs every probe at once, each bounded by `timeoutMs`, so a hung dependency answers "unreachable" instead of hanging the check. */
export async function checkReadiness(probes: Record<string, ReadinessProbe>, timeoutMs: number): Promise<Readiness> {
  const results = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, string | null]> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([probe(), timeout]);
        return [name, null];
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const problems = Object.fromEntries(results.filter((entry): entry is [string, string] => entry[1] !== null));
  return {
    ready: Object.keys(problems).length === 0,
    checks: Object.fromEntries(results.map(([name, problem]) => [name, problem === null ? "ok" : "unreachable"])),
    problems,
  };
}
