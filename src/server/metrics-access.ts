import { createHash, timingSafeEqual } from "node:crypto";
import { ChatError } from "../protocol/index.ts";
import type { ChatMetrics } from "./chat-metrics.ts";
import type { ServerConfig } from "./config.ts";
import { asChatError, errorAnswer } from "./errors.ts";
import { bearerToken } from "./http.ts";
import type { Logger } from "./log.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";
import { isLoopbackAddress } from "./proxy-trust.ts";
import { StartFailure } from "./start-failures.ts";
import { SECURITY_HEADERS } from "./web-app.ts";

/**
 * Who may read /metrics. It tells how busy the server is and which release it runs, so it is not for everyone on
 * an internet-facing port: with --metrics-port it is served on a listener of its own (loopback by default) and
 * not on the main port; with --metrics-token it needs that bearer token wherever it is served; with neither, the
 * main port serves it only to a client on this machine that did not come through a proxy.
 */
export type MetricsGuard = (request: Request) => void;

export function metricsAnswer(metrics: ChatMetrics): Response {
  return new Response(metrics.registry.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
}

/** Hashing both sides first makes the comparison take the same time whatever the lengths. */
const digest = (secret: string) => createHash("sha256").update(secret).digest();

function requireToken(expected: string, request: Request): void {
  const given = bearerToken(request.headers.get("authorization"));
  if (given === undefined || !timingSafeEqual(digest(given), digest(expected))) {
    throw new ChatError("unauthorized", "/metrics needs 'Authorization: Bearer <token>' with the token of --metrics-token.");
  }
}

/** The guard of /metrics on the main port; `peer` is the socket's peer address (forwarding headers are not believed here). */
export function mainPortMetricsGuard(config: ServerConfig, peer: (request: Request) => string | undefined): MetricsGuard {
  return (request) => {
    if (config.metricsPort !== undefined) throw new ChatError("not_found", "/metrics is served on the metrics port (--metrics-port), not on this one.");
    if (config.metricsToken !== undefined) return requireToken(config.metricsToken, request);
    const address = peer(request);
    // A proxy on this machine is a loopback peer too: a forwarded request came from elsewhere.
    const forwarded = request.headers.has("x-forwarded-for") || request.headers.has("forwarded");
    if (address !== undefined && isLoopbackAddress(address) && !forwarded) return;
    throw new ChatError("forbidden", "/metrics answers only on this machine; to scrape it from elsewhere, set --metrics-token or --metrics-port.");
  };
}

export interface MetricsListener {
  port: number;
  stop(): Promise<void>;
}

/** The listener of --metrics-port: GET /metrics (with the token, when one is set) and nothing else. */
export function startMetricsListener(port: number, config: ServerConfig, metrics: ChatMetrics, log: Logger): MetricsListener {
  const answer = (request: Request): Response => {
    try {
      const path = new URL(request.url).pathname;
      if (request.method !== "GET" || path !== "/metrics") {
        throw new ChatError("not_found", `Nothing is at ${request.method} ${path}; this port serves GET /metrics only.`);
      }
      if (config.metricsToken !== undefined) requireToken(config.metricsToken, request);
      return metricsAnswer(metrics);
    } catch (error) {
      const chatError = asChatError(error, log);
      metrics.errors.inc({ code: chatError.code });
      const { body, status, headers } = errorAnswer(chatError);
      return Response.json(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
    }
  };
  const server = listenOrExplain(port, config.metricsHost, answer);
  if (config.metricsToken === undefined && !isLoopbackAddress(config.metricsHost) && config.metricsHost !== "localhost") {
    log.warn(`/metrics is served without a token to anyone who can reach ${config.metricsHost}:${server.port}; set --metrics-token, or keep --metrics-host on loopback`);
  }
  log.info("metrics served", { host: config.metricsHost, port: server.port, access: config.metricsToken === undefined ? "open" : "bearer" });
  return { port: server.port!, stop: () => server.stop() };
}

/** Bun.serve, with a StartFailure sentence naming the option to change when it cannot listen. */
function listenOrExplain(port: number, hostname: string, fetch: (request: Request) => Response) {
  try {
    return Bun.serve({ port, hostname, fetch });
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    const where = `${hostname}:${port}`;
    if (code === "EADDRINUSE") throw new StartFailure(`the metrics port ${where} is already in use; choose another with --metrics-port or CHAT_METRICS_PORT.`);
    if (code === "EADDRNOTAVAIL") throw new StartFailure(`${hostname} is not an address of this machine; choose another with --metrics-host or CHAT_METRICS_HOST.`);
    if (code === "EACCES") throw new StartFailure(`no permission to listen on the metrics port ${where}; choose a port above 1023 with --metrics-port or CHAT_METRICS_PORT.`);
    throw error;
  }
}
