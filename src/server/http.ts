import { Hono, type Context } from "hono";
import type { z } from "zod";
import { CLOSE_CODES, ChatError, Credentials, describeIssues, HistoryQuery, type ErrorBody } from "../protocol/index.ts";
import type { Accounts, Actor } from "../services/accounts.ts";
import type { Messaging } from "../services/messaging.ts";
import type { Connections } from "./connections.ts";
import { asChatError, HTTP_STATUS } from "./errors.ts";

export interface HttpDeps {
  accounts: Accounts;
  messaging: Messaging;
  connections: Connections;
}

type Env = { Variables: { actor: Actor } };

/** The bearer token of a request, from `Authorization: Bearer …`. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

async function parseJsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ChatError("bad_request", "The body must be JSON.");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ChatError("bad_request", `Invalid body: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new ChatError("bad_request", `Invalid query: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** The HTTP routes: accounts, history, devices, health. */
export function httpApp({ accounts, messaging, connections }: HttpDeps): Hono<Env> {
  const app = new Hono<Env>();

  app.onError((error, c) => {
    const chatError = asChatError(error);
    const body: ErrorBody = {
      error: { code: chatError.code, message: chatError.message, ...(chatError.retryAfterMs ? { retryAfterMs: chatError.retryAfterMs } : {}) },
    };
    return c.json(body, HTTP_STATUS[chatError.code]);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `Nothing is at ${c.req.method} ${c.req.path}.` } } satisfies ErrorBody, 404));

  app.get("/healthz", (c) => c.text("ok"));

  app.post("/api/register", async (c) => c.json(await accounts.register(await parseJsonBody(c, Credentials)), 201));
  app.post("/api/login", async (c) => c.json(await accounts.login(await parseJsonBody(c, Credentials))));

  const authenticated = new Hono<Env>();
  authenticated.use(async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new ChatError("unauthorized", "This needs 'Authorization: Bearer <token>' from login.");
    c.set("actor", await accounts.authenticate(token));
    await next();
  });

  authenticated.get("/history", async (c) => {
    const query = parseQuery(c, HistoryQuery);
    return c.json(await messaging.history(c.get("actor"), query.with, query.before, query.limit));
  });

  authenticated.get("/devices", async (c) => {
    const actor = c.get("actor");
    const devices = await accounts.devices(actor);
    return c.json({
      devices: devices.map((device) => ({
        id: device.id,
        name: device.name,
        createdAt: device.createdAt,
        lastActive: device.lastActive,
        current: device.id === actor.deviceId,
      })),
    });
  });

  authenticated.delete("/devices/:id{[0-9]+}", async (c) => {
    const deviceId = Number(c.req.param("id"));
    await accounts.revokeDevice(c.get("actor"), deviceId);
    connections.disconnect(deviceId, CLOSE_CODES.revoked, "this device was logged out");
    return c.body(null, 204);
  });

  authenticated.post("/logout", async (c) => {
    const actor = c.get("actor");
    await accounts.revokeDevice(actor, actor.deviceId);
    connections.disconnect(actor.deviceId, CLOSE_CODES.revoked, "this device was logged out");
    return c.body(null, 204);
  });

  app.route("/api", authenticated);
  return app;
}
