/** Where the chat server is: the HTTP base for the API and the WebSocket URL for the chat connection. */
export interface ServerAddress {
  /** Base URL of the HTTP API, without a trailing slash (`http://localhost:8080`). */
  http: string;
  /** URL of the chat WebSocket (`ws://localhost:8080/ws`). */
  ws: string;
  /** Short form for people (`localhost:8080`). */
  display: string;
  /** A file-name-safe key naming this server in the config directory. */
  key: string;
}

export const DEFAULT_SERVER = "localhost:8080";
const DEFAULT_PORT = "8080";
const WEBSOCKET_PATH = "/ws";
const SCHEME_PATTERN = /^([a-z][a-z0-9+.-]*):\/\//i;
const SECURE_SCHEMES = new Set(["https:", "wss:"]);
const KNOWN_SCHEMES = new Set(["http:", "https:", "ws:", "wss:"]);

export class ServerAddressError extends Error {
  override readonly name = "ServerAddressError";
}

/**
 * Reads a server address as people write it: `host:port`, `host` (port 8080),
 * `http(s)://host[:port][/prefix]` or `ws(s)://host[:port][/prefix][/ws]`.
 */
export function parseServerAddress(input: string): ServerAddress {
  const raw = input.trim();
  const explain = `use host:port, http(s)://host[:port] or ws(s)://host[:port]`;
  if (raw === "") throw new ServerAddressError(`The server address is empty: ${explain}.`);

  const hasScheme = SCHEME_PATTERN.test(raw);
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `http://${raw}`);
  } catch {
    throw new ServerAddressError(`The server address '${raw}' is not valid: ${explain}.`);
  }
  if (!KNOWN_SCHEMES.has(url.protocol)) {
    throw new ServerAddressError(`The server address '${raw}' uses '${url.protocol}', which is not supported: ${explain}.`);
  }
  if (url.username || url.password || url.search || url.hash || url.hostname === "") {
    throw new ServerAddressError(`The server address '${raw}' is not valid: ${explain}, without a query, fragment or user.`);
  }
  if (!hasScheme && url.port === "" && !/:\d+$/.test(raw)) url.port = DEFAULT_PORT;

  const secure = SECURE_SCHEMES.has(url.protocol);
  let prefix = url.pathname.replace(/\/+$/, "");
  const isWebSocketUrl = url.protocol === "ws:" || url.protocol === "wss:";
  if (isWebSocketUrl && prefix.endsWith(WEBSOCKET_PATH)) prefix = prefix.slice(0, -WEBSOCKET_PATH.length);

  const host = url.host; // includes the port unless it is the scheme's default
  const httpBase = `${secure ? "https" : "http"}://${host}${prefix}`;
  const wsUrl = `${secure ? "wss" : "ws"}://${host}${prefix}${WEBSOCKET_PATH}`;
  const port = url.port || (secure ? "443" : "80");
  const display = `${url.hostname}:${port}${prefix}`;
  const key = [url.hostname, port, ...(prefix ? [prefix] : []), ...(secure ? ["tls"] : [])]
    .join("_")
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "_");
  return { http: httpBase, ws: wsUrl, display, key };
}
