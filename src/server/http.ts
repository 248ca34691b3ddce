import { Hono, type MiddlewareHandler } from "hono";
import { CLOSE_CODES, ChatError, ROUTES, type ErrorBody } from "../protocol/index.ts";
import { renderAsyncApi } from "../protocol/asyncapi.ts";
import { renderOpenApi } from "../protocol/openapi.ts";
import type { Accounts, Actor } from "../services/accounts.ts";
import type { Contacts } from "../services/contacts.ts";
import type { Attachments } from "../services/attachments.ts";
import type { Groups } from "../services/groups.ts";
import type { Messaging } from "../services/messaging.ts";
import type { LoginThrottle } from "../services/login-throttle.ts";
import { selfServiceRoutes } from "./self-service-routes.ts";
import type { ChatMetrics } from "./chat-metrics.ts";
import type { Connections } from "./connections.ts";
import { asChatError, errorAnswer } from "./errors.ts";
import type { Logger } from "./log.ts";
import { checkCsrf, clearedSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie } from "./browser-session.ts";
import { contactRoutes } from "./contact-routes.ts";
import { attachmentRoutes } from "./attachment-routes.ts";
import { limitRequestBodies } from "./request-body.ts";
import { handle } from "./route-table.ts";
import { securityHeaders, webAppRoutes } from "./web-app.ts";

/** Both documents are the same for the life of the process: rendered at the first request. */
let openApi: unknown;
let asyncApi: unknown;
const openApiDocument = () => (openApi ??= renderOpenApi());
const asyncApiDocument = () => (asyncApi ??= renderAsyncApi());

export interface HttpDeps {
  accounts: Accounts;
  messaging: Messaging;
  attachments: Attachments;
  groups: Groups;
  contacts: Contacts;
  connections: Connections;
  logins: LoginThrottle;
  metrics: ChatMetrics;
  log: Logger;
  /** The address of the client that sent the request (the peer, or the one a trusted proxy names), for per-address limits and logs. */
  clientAddress: (request: Request) => string;
  /** Served over TLS: session cookies are `Secure`. */
  secure: boolean;
}

export type Env = { Variables: { actor: Actor; viaCookie: boolean } };

/** The bearer token of a request, from `Authorization: Bearer …`. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** The HTTP routes: accounts, history, attachments, devices, groups, contacts, settings, health. */
export function httpApp({ accounts, messaging, attachments, groups, contacts, connections, logins, metrics, log, clientAddress, secure }: HttpDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use(securityHeaders);

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log.debug("http request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      address: clientAddress(c.req.raw),
    });
  });

  app.onError((error, c) => {
    const chatError = asChatError(error, log);
    metrics.errors.inc({ code: chatError.code });
    const { body, status, headers } = errorAnswer(chatError);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return c.json(body, status);
  });
  app.use(limitRequestBodies);
  app.notFound((c) => {
    metrics.errors.inc({ code: "not_found" });
    return c.json({ error: { code: "not_found", message: `Nothing is at ${c.req.method} ${c.req.path}.` } } satisfies ErrorBody, 404);
  });

  handle(app, "", ROUTES.healthz, (c) => c.text("ok"));
  handle(app, "", ROUTES.openapi, (c) => c.json(openApiDocument()));
  handle(app, "", ROUTES.asyncapi, (c) => c.json(asyncApiDocument()));

  handle(app, "", ROUTES.register, async (c) => {
    const credentials = c.req.valid("json");
    return c.json(await logins.register(clientAddress(c.req.raw), () => accounts.register(credentials)), 201);
  });
  handle(app, "", ROUTES.login, async (c) => {
    const credentials = c.req.valid("json");
    const address = clientAddress(c.req.raw);
    try {
      return c.json(await logins.login(credentials.name, address, () => accounts.login(credentials)));
    } catch (error) {
      logRefusedLogin(log, error, credentials.name, address);
      throw error;
    }
  });

  // The same, for a browser: the token goes into an HttpOnly cookie, never to the page's scripts.
  // The CSRF check comes before the body is read.
  const csrf: MiddlewareHandler = async (c, next) => {
    checkCsrf(c.req.raw);
    await next();
  };
  app.use(ROUTES.browserRegister.path, csrf);
  app.use(ROUTES.browserLogin.path, csrf);
  handle(app, "", ROUTES.browserRegister, async (c) => {
    const credentials = c.req.valid("json");
    const session = await logins.register(clientAddress(c.req.raw), () => accounts.register(credentials));
    c.header("Set-Cookie", sessionCookie(session.token, secure));
    return c.json({ user: session.user, device: session.device }, 201);
  });
  handle(app, "", ROUTES.browserLogin, async (c) => {
    const credentials = c.req.valid("json");
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

  handle(authenticated, "/api", ROUTES.session, async (c) => {
    const actor = c.get("actor");
    const device = (await accounts.devices(actor)).find((candidate) => candidate.id === actor.deviceId);
    return c.json({ user: actor.name, device: { id: actor.deviceId, name: device?.name ?? "" } });
  });

  handle(authenticated, "/api", ROUTES.conversations, async (c) => c.json(await messaging.conversationList(c.get("actor"))));

  handle(authenticated, "/api", ROUTES.history, async (c) => {
    const query = c.req.valid("query");
    return c.json(await messaging.history(c.get("actor"), query.with, query.before, query.limit));
  });

  handle(authenticated, "/api", ROUTES.search, async (c) => {
    const query = c.req.valid("query");
    return c.json(await messaging.search(c.get("actor"), query.q, query.before, query.limit));
  });

  handle(authenticated, "/api", ROUTES.locate, async (c) => c.json(await messaging.locate(c.get("actor"), c.req.valid("param").id)));

  handle(authenticated, "/api", ROUTES.hide, async (c) => {
    const body = c.req.valid("json");
    await messaging.hide(c.get("actor"), body.id, body.to);
    return c.body(null, 204);
  });

  attachmentRoutes(authenticated, attachments);

  handle(authenticated, "/api", ROUTES.devices, async (c) => {
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

  handle(authenticated, "/api", ROUTES.revokeDevice, async (c) => {
    const deviceId = c.req.valid("param").id;
    const actor = c.get("actor");
    await accounts.revokeDevice(actor, deviceId);
    connections.disconnect(actor.userId, deviceId, CLOSE_CODES.revoked, "this device was logged out");
    return c.body(null, 204);
  });

  handle(authenticated, "/api", ROUTES.logout, async (c) => {
    const actor = c.get("actor");
    if (c.get("viaCookie")) c.header("Set-Cookie", clearedSessionCookie(secure));
    await accounts.revokeDevice(actor, actor.deviceId);
    connections.disconnect(actor.userId, actor.deviceId, CLOSE_CODES.revoked, "this device was logged out");
    return c.body(null, 204);
  });

  handle(authenticated, "/api", ROUTES.settings, async (c) => c.json(await accounts.privacy(c.get("actor"))));
  handle(authenticated, "/api", ROUTES.updateSettings, async (c) => c.json(await accounts.setPrivacy(c.get("actor"), c.req.valid("json"))));

  selfServiceRoutes(authenticated, { accounts, groups, connections, logins, clientAddress, secure });

  handle(authenticated, "/api", ROUTES.createGroup, async (c) => {
    const body = c.req.valid("json");
    return c.json(await groups.create(c.get("actor"), body.name, body.members), 201);
  });
  handle(authenticated, "/api", ROUTES.groups, async (c) => c.json(await groups.list(c.get("actor"))));
  handle(authenticated, "/api", ROUTES.group, async (c) => c.json(await groups.info(c.get("actor"), c.req.valid("param").name)));
  handle(authenticated, "/api", ROUTES.renameGroup, async (c) => c.json(await groups.rename(c.get("actor"), c.req.valid("param").name, c.req.valid("json").name)));
  handle(authenticated, "/api", ROUTES.addMember, async (c) => c.json(await groups.add(c.get("actor"), c.req.valid("param").name, c.req.valid("json").user)));
  handle(authenticated, "/api", ROUTES.removeMember, async (c) => {
    const { name, user } = c.req.valid("param");
    await groups.remove(c.get("actor"), name, user);
    return c.body(null, 204);
  });
  handle(authenticated, "/api", ROUTES.promote, async (c) => c.json(await groups.promote(c.get("actor"), c.req.valid("param").name, c.req.valid("json").user)));
  handle(authenticated, "/api", ROUTES.receipts, async (c) => c.json(await groups.receipts(c.get("actor"), c.req.valid("param").name, c.req.valid("query").seq)));

  contactRoutes(authenticated, contacts, groups);

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
