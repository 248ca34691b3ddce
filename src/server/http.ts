import { Hono, type Context } from "hono";
import type { z } from "zod";
import {
  CLOSE_CODES,
  ChatError,
  CreateGroup,
  Credentials,
  describeIssues,
  GroupUser,
  HideRequest,
  HistoryQuery,
  MessageId,
  Name,
  PrivacyUpdate,
  ReceiptsQuery,
  RenameGroup,
  SearchQuery,
  type ErrorBody,
} from "../protocol/index.ts";
import type { Accounts, Actor } from "../services/accounts.ts";
import type { Groups } from "../services/groups.ts";
import type { Messaging } from "../services/messaging.ts";
import type { LoginThrottle } from "../services/login-throttle.ts";
import type { ChatMetrics } from "./chat-metrics.ts";
import type { Connections } from "./connections.ts";
import { asChatError, errorAnswer } from "./errors.ts";
import type { Logger } from "./log.ts";
import { checkCsrf, clearedSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie } from "./browser-session.ts";
import { securityHeaders, webAppRoutes } from "./web-app.ts";

export interface HttpDeps {
  accounts: Accounts;
  messaging: Messaging;
  groups: Groups;
  connections: Connections;
  logins: LoginThrottle;
  metrics: ChatMetrics;
  log: Logger;
  /** The address of the peer that sent the request, for per-address limits. */
  clientAddress: (request: Request) => string;
  /** Served over TLS: session cookies are `Secure`. */
  secure: boolean;
}

type Env = { Variables: { actor: Actor; viaCookie: boolean } };

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

/** A name taken from the path, checked by the same rules as in bodies. */
function nameParam(c: Context, key: string): string {
  const parsed = Name.safeParse(c.req.param(key));
  if (!parsed.success) throw new ChatError("bad_request", `Invalid ${key} in the path: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** The HTTP routes: accounts, history, devices, groups, settings, health. */
export function httpApp({ accounts, messaging, groups, connections, logins, metrics, log, clientAddress, secure }: HttpDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use(securityHeaders);

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log.debug("http request", { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) });
  });

  app.onError((error, c) => {
    const chatError = asChatError(error, log);
    metrics.errors.inc({ code: chatError.code });
    const { body, status, headers } = errorAnswer(chatError);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return c.json(body, status);
  });
  app.notFound((c) => {
    metrics.errors.inc({ code: "not_found" });
    return c.json({ error: { code: "not_found", message: `Nothing is at ${c.req.method} ${c.req.path}.` } } satisfies ErrorBody, 404);
  });

  app.get("/healthz", (c) => c.text("ok"));

  app.post("/api/register", async (c) => {
    const credentials = await parseJsonBody(c, Credentials);
    return c.json(await logins.register(clientAddress(c.req.raw), () => accounts.register(credentials)), 201);
  });
  app.post("/api/login", async (c) => {
    const credentials = await parseJsonBody(c, Credentials);
    const address = clientAddress(c.req.raw);
    try {
      return c.json(await logins.login(credentials.name, address, () => accounts.login(credentials)));
    } catch (error) {
      logRefusedLogin(log, error, credentials.name, address);
      throw error;
    }
  });

  // The same, for a browser: the token goes into an HttpOnly cookie, never to the page's scripts.
  app.post("/api/browser/register", async (c) => {
    checkCsrf(c.req.raw);
    const credentials = await parseJsonBody(c, Credentials);
    const session = await logins.register(clientAddress(c.req.raw), () => accounts.register(credentials));
    c.header("Set-Cookie", sessionCookie(session.token, secure));
    return c.json({ user: session.user, device: session.device }, 201);
  });
  app.post("/api/browser/login", async (c) => {
    checkCsrf(c.req.raw);
    const credentials = await parseJsonBody(c, Credentials);
    const address = clientAddress(c.req.raw);
    try {
      const session = await logins.login(credentials.name, address, () => accounts.login(credentials));
      c.header("Set-Cookie", sessionCookie(session.token, secure));
      return c.json({ user: session.user, device: session.device });
    } catch (error) {
      logRefusedLogin(log, error, credentials.name, address);
      throw error;
    }
  });

  const authenticated = new Hono<Env>();
  authenticated.use(async (c, next) => {
    const bearer = bearerToken(c.req.header("authorization"));
    const cookie = bearer ? undefined : cookieValue(c.req.header("cookie"), SESSION_COOKIE);
    if (cookie) checkCsrf(c.req.raw);
    const token = bearer ?? cookie;
    if (!token) throw new ChatError("unauthorized", "This needs 'Authorization: Bearer <token>' from login.");
    c.set("viaCookie", cookie !== undefined);
    c.set("actor", await accounts.authenticate(token));
    await next();
  });

  authenticated.get("/session", async (c) => {
    const actor = c.get("actor");
    const device = (await accounts.devices(actor)).find((candidate) => candidate.id === actor.deviceId);
    return c.json({ user: actor.name, device: { id: actor.deviceId, name: device?.name ?? "" } });
  });

  authenticated.get("/conversations", async (c) => c.json(await messaging.conversationList(c.get("actor"))));

  authenticated.get("/history", async (c) => {
    const query = parseQuery(c, HistoryQuery);
    return c.json(await messaging.history(c.get("actor"), query.with, query.before, query.limit));
  });

  authenticated.get("/search", async (c) => {
    const query = parseQuery(c, SearchQuery);
    return c.json(await messaging.search(c.get("actor"), query.q, query.before, query.limit));
  });

  authenticated.get("/messages/:id", async (c) => {
    const id = MessageId.safeParse(c.req.param("id"));
    if (!id.success) throw new ChatError("bad_request", `Invalid id in the path: ${describeIssues(id.error)}.`);
    return c.json(await messaging.locate(c.get("actor"), id.data));
  });

  authenticated.post("/hide", async (c) => {
    const body = await parseJsonBody(c, HideRequest);
    await messaging.hide(c.get("actor"), body.id, body.to);
    return c.body(null, 204);
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
    const actor = c.get("actor");
    await accounts.revokeDevice(actor, deviceId);
    connections.disconnect(actor.userId, deviceId, CLOSE_CODES.revoked, "this device was logged out");
    return c.body(null, 204);
  });

  authenticated.post("/logout", async (c) => {
    const actor = c.get("actor");
    if (c.get("viaCookie")) c.header("Set-Cookie", clearedSessionCookie(secure));
    await accounts.revokeDevice(actor, actor.deviceId);
    connections.disconnect(actor.userId, actor.deviceId, CLOSE_CODES.revoked, "this device was logged out");
    return c.body(null, 204);
  });

  authenticated.get("/settings", async (c) => c.json(await accounts.privacy(c.get("actor"))));
  authenticated.patch("/settings", async (c) => c.json(await accounts.setPrivacy(c.get("actor"), await parseJsonBody(c, PrivacyUpdate))));

  authenticated.post("/groups", async (c) => {
    const body = await parseJsonBody(c, CreateGroup);
    return c.json(await groups.create(c.get("actor"), body.name, body.members), 201);
  });
  authenticated.get("/groups", async (c) => c.json(await groups.list(c.get("actor"))));
  authenticated.get("/groups/:name", async (c) => c.json(await groups.info(c.get("actor"), nameParam(c, "name"))));
  authenticated.patch("/groups/:name", async (c) => {
    const body = await parseJsonBody(c, RenameGroup);
    return c.json(await groups.rename(c.get("actor"), nameParam(c, "name"), body.name));
  });
  authenticated.post("/groups/:name/members", async (c) => {
    const body = await parseJsonBody(c, GroupUser);
    return c.json(await groups.add(c.get("actor"), nameParam(c, "name"), body.user));
  });
  authenticated.delete("/groups/:name/members/:user", async (c) => {
    await groups.remove(c.get("actor"), nameParam(c, "name"), nameParam(c, "user"));
    return c.body(null, 204);
  });
  authenticated.post("/groups/:name/admins", async (c) => {
    const body = await parseJsonBody(c, GroupUser);
    return c.json(await groups.promote(c.get("actor"), nameParam(c, "name"), body.user));
  });
  authenticated.get("/groups/:name/receipts", async (c) => {
    const query = parseQuery(c, ReceiptsQuery);
    return c.json(await groups.receipts(c.get("actor"), nameParam(c, "name"), query.seq));
  });

  app.route("/api", authenticated);
  webAppRoutes(app);
  return app;
}

/**
 * A refused login is worth a warning (a wrong password, a locked name), except for a name with no account:
 * the client asks that before it registers a new name, so it is part of every registration.
 */
function logRefusedLogin(log: Logger, error: unknown, user: string, address: string): void {
  if (!(error instanceof ChatError)) return;
  if (error.code === "unknown_user") log.debug("login for a name with no account (a registration may follow)", { user, address });
  else log.warn("login refused", { user, address, code: error.code });
}
