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

/** How long a store that just failed to write counts as unable to, unless a write succeeds first. */
export const WRITE_FAILURE_HOLD_MS = 10_000;

/**
 * Whether the store can write, as its writes show. A store can answer a ping
 * (a read) while every write fails (a full disk, a read-only file), so the
 * readiness probe of the store also fails while the latest write failed for
 * such a reason: until a write succeeds, or for WRITE_FAILURE_HOLD_MS after
 * the last such failure (then the next write attempt tells again, so a server
 * nothing is written to does not stay out of rotation for ever).
 */
export class StoreWriteHealth {
  #failure: { message: string; at: number } | undefined;

  constructor(
    private readonly isUnavailable: (error: unknown) => boolean,
    private readonly writeMethods: ReadonlySet<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** `store` with every call watched: an "unavailable" failure marks the store unable to write, a successful write clears it. */
  watch<S extends object>(store: S): S {
    const wrapped = new Map<PropertyKey, unknown>();
    const health = this;
    return new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || typeof property !== "string" || property === "close") return value;
        if (!wrapped.has(property)) {
          const writes = health.writeMethods.has(property);
          wrapped.set(property, async (...args: unknown[]) => {
            try {
              const result = await (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
              if (writes) health.#failure = undefined;
              return result;
            } catch (error) {
              if (health.isUnavailable(error)) health.#failure = { message: error instanceof Error ? error.message : String(error), at: health.now() };
              throw error;
            }
          });
        }
        return wrapped.get(property);
      },
    });
  }

  /** A readiness probe: `ping`, and no recent write that failed because the store cannot write. */
  probe(ping: ReadinessProbe): ReadinessProbe {
    return async () => {
      await ping();
      const failure = this.#failure;
      if (failure && this.now() - failure.at < WRITE_FAILURE_HOLD_MS) throw new Error(`the store cannot write: ${failure.message}`);
    };
  }
}
