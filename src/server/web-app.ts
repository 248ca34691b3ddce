import { gzipSync } from "node:zlib";
import type { HTMLBundle } from "bun";
import type { Hono, MiddlewareHandler } from "hono";
import page from "../web/index.html";

/**
 * The web client, served at `/` from the server's own file. `bun build --compile` bundles
 * src/web/index.html (its scripts and styles) into ./chat-server, and the import above then
 * lists the bundled files; run from source, the page is bundled once, at its first request,
 * by the same bundler. Either way this module serves the files itself, so that every answer
 * carries the security headers below. (`NODE_ENV=development` serves it with Bun's hot reload
 * instead: see `hotReloadRoutes`.)
 */

/**
 * No inline scripts or styles, nothing from other origins, no framing; the page talks only to
 * this server (`connect-src 'self'` covers its own WebSocket). Applies to every answer.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

/** Adds the security headers to every answer of the app (API, page, errors). */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
};

interface WebFile {
  body: Uint8Array;
  gzipped: Uint8Array;
  contentType: string;
  etag: string;
  /** Hashed names never change content: cached for a year. The page itself is checked each time. */
  immutable: boolean;
}

let files: Promise<Map<string, WebFile>> | undefined;

function webFile(body: Uint8Array, contentType: string, immutable: boolean): WebFile {
  const etag = `"${new Bun.CryptoHasher("sha256").update(body).digest("base64url").slice(0, 16)}"`;
  return { body, gzipped: gzipSync(body, { level: 9 }), contentType, etag, immutable };
}

/** The page and its assets by URL path, from the compiled binary or bundled now. */
function loadFiles(): Promise<Map<string, WebFile>> {
  files ??= (async () => {
    const map = new Map<string, WebFile>();
    const bundle = page as HTMLBundle;
    if (bundle.files) {
      for (const file of bundle.files) {
        const body = new Uint8Array(await Bun.file(file.path).arrayBuffer());
        const name = file.path.slice(file.path.lastIndexOf("/") + 1);
        const isPage = file.loader === "html";
        map.set(isPage ? "/" : `/${name}`, webFile(body, file.headers["content-type"], !isPage));
      }
      return map;
    }
    // As `bun run build` minifies it: whitespace and syntax, names kept.
    const built = await Bun.build({ entrypoints: [bundle.index], target: "browser", minify: { whitespace: true, syntax: true, identifiers: false }, publicPath: "/" });
    if (!built.success) throw new AggregateError(built.logs, "bundling the web client failed");
    for (const output of built.outputs) {
      const body = new Uint8Array(await output.arrayBuffer());
      const isPage = output.path.endsWith(".html");
      map.set(isPage ? "/" : output.path.replace(/^\.\//, "/"), webFile(body, output.type, !isPage));
    }
    return map;
  })();
  files.catch(() => (files = undefined));
  return files;
}

/** The bundled files with their gzipped size: what a first visit downloads. */
export async function webClientFiles(): Promise<Array<{ path: string; contentType: string; bytes: number; gzipBytes: number }>> {
  return [...(await loadFiles())].map(([path, file]) => ({ path, contentType: file.contentType, bytes: file.body.byteLength, gzipBytes: file.gzipped.byteLength }));
}

/** Routes of the page and its assets. */
export function webAppRoutes(app: Hono<any>): void {
  app.get("*", async (c, next) => {
    const path = c.req.path === "/index.html" ? "/" : c.req.path;
    if (path !== "/" && !/^\/[\w.-]+\.(js|css|svg|png|ico|webmanifest)$/.test(path)) return next();
    const file = (await loadFiles()).get(path);
    if (!file) return next();
    const headers: Record<string, string> = {
      "Content-Type": file.contentType,
      ETag: file.etag,
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      Vary: "Accept-Encoding",
    };
    if (c.req.header("if-none-match") === file.etag) return c.body(null, 304, headers);
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      return c.body(file.gzipped as Uint8Array<ArrayBuffer>, 200, { ...headers, "Content-Encoding": "gzip" });
    }
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}

/** With `NODE_ENV=development` and run from source: Bun serves the page itself, with hot reload. */
export function hotReloadRoutes(): { routes: Record<string, HTMLBundle>; development: { hmr: true; console: true } } | undefined {
  const compiled = import.meta.url.startsWith("file:///$bunfs/");
  if (compiled || process.env.NODE_ENV !== "development") return undefined;
  return { routes: { "/": page as HTMLBundle }, development: { hmr: true, console: true } };
}
