import { Hono } from "hono";
import type { ChatMetrics } from "./chat-metrics.ts";
import type { Logger } from "./log.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";
import { checkReadiness, type ReadinessProbe } from "./readiness.ts";

/** A readiness probe that has not answered in this long counts as unreachable. */
const PROBE_TIMEOUT_MS = 2000;

export interface OperationsDeps {
  metrics: ChatMetrics;
  /** What must answer for the server to be ready (the store, the bus). */
  probes: Record<string, ReadinessProbe>;
  log: Logger;
}

/** Routes for the people and machines running the server: readiness and metrics. */
export function operationsRoutes({ metrics, probes, log }: OperationsDeps): Hono {
  const app = new Hono();

  app.get("/readyz", async (c) => {
    const { ready, checks, problems } = await checkReadiness(probes, PROBE_TIMEOUT_MS);
    for (const [dependency, problem] of Object.entries(problems)) log.warn("not ready: a dependency is unreachable", { dependency, problem });
    return c.json({ ready, checks }, ready ? 200 : 503);
  });

  app.get("/metrics", (c) => c.body(metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));

  return app;
}
