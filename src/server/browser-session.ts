import { ChatError } from "../protocol/index.ts";

/**
 * Browser sessions. A page's scripts cannot set `Authorization` on a WebSocket, and must not be
 * able to read the token either: the browser keeps it in a cookie its scripts cannot see
 * (`HttpOnly`, `SameSite=Strict`, `Secure` under TLS). Since a cookie travels on its own, every
 * state-changing request it authenticates must prove it comes from the page itself: it carries
 * `X-Chat-CSRF: 1` (a header a cross-site form cannot send, and a cross-site script only after a
 * CORS preflight this server never grants), and its `Origin`, when present, is this server's.
 * The WebSocket upgrade takes the cookie only with this server's own `Origin`
 * (against cross-site WebSocket hijacking). Bearer tokens are unaffected.
 */

export const SESSION_COOKIE = "chat_session";
export const CSRF_HEADER = "X-Chat-CSRF";

/** A year: the device stays logged in until it logs out or is logged out. */
const COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The value of one cookie of a request's `Cookie` header. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim() || undefined;
  }
  return undefined;
}

/** `Set-Cookie` that gives the browser its session token. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

/** `Set-Cookie` that makes the browser forget its session. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

/** Whether the request's `Origin` header names this server (the origin of its own URL). */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  return origin !== null && origin === new URL(request.url).origin;
}

/** Throws unless a cookie-authenticated request that changes state came from this server's own page. */
export function checkCsrf(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers.get(CSRF_HEADER) !== "1") {
    throw new ChatError("forbidden", `A browser request that changes something needs the header '${CSRF_HEADER}: 1'.`);
  }
  if (request.headers.has("origin") && !isSameOrigin(request)) {
    throw new ChatError("forbidden", "This request came from another site.");
  }
}

/**
 * The session token of a WebSocket upgrade from a browser: the cookie, accepted only when the
 * page that opens the socket is this server's (browsers always send `Origin` on a WebSocket).
 */
export function webSocketCookieToken(request: Request): string | undefined {
  const token = cookieValue(request.headers.get("cookie"), SESSION_COOKIE);
  if (token === undefined) return undefined;
  if (!isSameOrigin(request)) throw new ChatError("forbidden", "A WebSocket authenticated by the session cookie must come from this server's own page.");
  return token;
}
