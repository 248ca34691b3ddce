import { Hono } from "hono";
import type { ChatMetrics } from "./chat-metrics.ts";
import type { Logger } from "./log.ts";
import { metricsAnswer, type MetricsGuard } from "./metrics-access.ts";
import { checkReadiness, type ReadinessProbe } from "./readiness.ts";

/** A readiness probe that has not answered in this long counts as unreachable. */
const PROBE_TIMEOUT_MS = 2000;

export interface OperationsDeps {
  metrics: ChatMetrics;
  /** What must answer for the server to be ready (the store, the bus). */
  probes: Record<string, ReadinessProbe>;
  log: Logger;
  /** Throws the refusal when the request may not read /metrics here. */
  metricsGuard: MetricsGuard;
}

/** Routes for the people and machines running the server: readiness and metrics. */
export function operationsRoutes({ metrics, probes, log, metricsGuard }: OperationsDeps): Hono {
  const app = new Hono();

  app.get("/readyz", async (c) => {
    const { ready, checks, problems } = await checkReadiness(probes, PROBE_TIMEOUT_MS);
    for (const [dependency, problem] of Object.entries(problems)) log.warn("not ready: a dependency is unreachable", { dependency, problem });
    return c.json({ ready, checks }, ready ? 200 : 503);
  });

  app.get("/metrics", (c) => {
    metricsGuard(c.req.raw);
    return metricsAnswer(metrics);
  });

  return app;
}
