import type { Hono, Env, Handler, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ChatError, describeIssues, type RouteSpec } from "../protocol/index.ts";

/**
 * Registers a handler from its row of the route table (src/protocol/routes.ts): the method and path
 * come from the row, and its request schemas validate the request before the handler runs, which
 * reads the results with `c.req.valid("json" | "query" | "param")`. Refusals are ChatErrors, so the
 * app answers them with the usual 400 ErrorBody and the same sentences as ever.
 */

type Parsed<S> = S extends z.ZodType ? z.output<S> : never;
type Raw<S> = S extends z.ZodType ? z.input<S> : never;

export type ValidOf<R extends RouteSpec> = {
  in: { json: Raw<R["body"]>; query: Raw<R["query"]>; param: Raw<R["params"]> };
  out: { json: Parsed<R["body"]>; query: Parsed<R["query"]>; param: Parsed<R["params"]> };
};

/** Checks body, query and path of a request against the route's schemas, in that order. */
export function validate<E extends Env>(route: RouteSpec): MiddlewareHandler<E> {
  return async (c, next) => {
    if (route.body) {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new ChatError("bad_request", "The body must be JSON.");
      }
      const parsed = route.body.safeParse(body);
      if (!parsed.success) throw new ChatError("bad_request", `Invalid body: ${describeIssues(parsed.error)}.`);
      c.req.addValidatedData("json", parsed.data as {});
    }
    if (route.query) {
      const parsed = route.query.safeParse(c.req.query());
      if (!parsed.success) throw new ChatError("bad_request", `Invalid query: ${describeIssues(parsed.error)}.`);
      c.req.addValidatedData("query", parsed.data);
    }
    if (route.params) {
      // Each part of the path on its own, so the sentence names it: "Invalid user in the path: …".
      const params: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(route.params.shape) as Array<[string, z.ZodType]>) {
        const parsed = schema.safeParse(c.req.param(key));
        if (!parsed.success) throw new ChatError("bad_request", `Invalid ${key} in the path: ${describeIssues(parsed.error)}.`);
        params[key] = parsed.data;
      }
      c.req.addValidatedData("param", params);
    }
    await next();
  };
}

/**
 * `app.on(route.method, route.path, validate(route), handler)`, with `prefix` taken off the path for an
 * app mounted under it. Nothing but the table decides where a handler answers.
 */
export function handle<E extends Env, const R extends RouteSpec>(app: Hono<E>, prefix: string, route: R, handler: Handler<E, string, ValidOf<R>>): void {
  const path = route.honoPath ?? route.path;
  if (!path.startsWith(prefix)) throw new Error(`${route.path} is not under ${prefix}`);
  app.on(route.method.toUpperCase(), path.slice(prefix.length) || "/", validate<E>(route), handler as Handler<E>);
}
