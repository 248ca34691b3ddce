import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Parser } from "@asyncapi/parser";
import { Validator } from "@seriousme/openapi-schema-validator";
import { ClientFrame, ROUTE_LIST, ServerFrame } from "../../src/protocol/index.ts";
import { renderAsyncApi } from "../../src/protocol/asyncapi.ts";
import { httpApp } from "../../src/server/http.ts";
import { operationsRoutes } from "../../src/server/operations.ts";
import { registerUser, startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * /openapi.json and /asyncapi.json: valid documents, rendered from the same route table and frame
 * schemas the server runs on, and every route the server answers is in them.
 */

let chat: TestServer;
let token: string;
beforeAll(async () => {
  chat = await startTestServer();
  token = (await registerUser(chat, "alice")).token;
});
afterAll(() => chat.cleanup());

type OpenApi = { openapi: string; paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>> };

async function openApi(): Promise<OpenApi> {
  const response = await fetch(`${chat.url}/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApi;
}

/** A value for each path parameter, so a request reaches the route (and not the 404 of an unknown path). */
const SAMPLE_PARAMS: Record<string, string> = { id: "1", name: "team", user: "bob" };

describe("/openapi.json", () => {
  test("is a valid OpenAPI 3.1 document", async () => {
    const document = await openApi();
    expect(document.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  test("documents every route of the HTTP app, and the app has no route it does not document", () => {
    // The app as server.ts builds it: the chat routes and the operations routes (/ws is taken by Bun.serve before it).
    const app = httpApp({} as never);
    app.route("/", operationsRoutes({ metrics: {} as never, probes: {}, log: {} as never, metricsGuard: () => {} }));
    const answered = new Set(app.routes.filter((route) => route.method !== "ALL").map((route) => `${route.method} ${route.path}`));
    const documented = new Set(ROUTE_LIST.filter((route) => route.path !== "/ws").map((route) => `${route.method.toUpperCase()} ${route.honoPath ?? route.path}`));
    expect([...answered].sort()).toEqual([...documented].sort());
  });

  test("every documented route answers on a running server (none is the 404 of an unknown path)", async () => {
    const document = await openApi();
    const isUnknownPath = async (response: Response) => response.status === 404 && (await response.text()).includes("Nothing is at ");
    expect(await isUnknownPath(await fetch(`${chat.url}/api/no-such-route`, { headers: { authorization: `Bearer ${token}` } }))).toBe(true);
    const missing: string[] = [];
    let probes = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? name);
        // A route that logs out or removes is called by a throwaway account, so alice's token stays valid
        // (with an invalid one, any /api path would answer 401 and hide a missing route).
        const destructive = method === "delete" || path === "/api/logout";
        const bearer = destructive ? (await registerUser(chat, `probe${++probes}`)).token : token;
        const response = await fetch(`${chat.url}${url}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${bearer}`, "x-chat-csrf": "1" } });
        if (await isUnknownPath(response)) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(document.paths)).toContain("/ws");
  });
});

describe("route validation (the route table's schemas, through c.req.valid)", () => {
  let bob: string;
  beforeAll(async () => {
    bob = (await registerUser(chat, "bob")).token;
  });
  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${chat.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bob}`, "content-type": "application/json" },
      ...(body !== undefined ? { body } : {}),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string }; name?: string; members?: unknown[] } };
  };

  test("refuses bodies, queries and path parts with the same 400 sentences as before", async () => {
    expect(await call("POST", "/api/groups", "{not json")).toEqual({ status: 400, body: { error: { code: "bad_request", message: "The body must be JSON." } } });
    const body = await call("POST", "/api/groups", "{}");
    expect(body.status).toBe(400);
    expect(body.body.error?.message).toStartWith("Invalid body: name: ");
    const query = await call("GET", "/api/history");
    expect(query.status).toBe(400);
    expect(query.body.error?.message).toStartWith("Invalid query: with: ");
    const path = await call("DELETE", "/api/groups/team/members/no%20such%20name!");
    expect(path.status).toBe(400);
    expect(path.body.error?.message).toStartWith("Invalid user in the path: value: ");
  });

  test("hands the handler the parsed values: defaults filled in, names normalised", async () => {
    const created = await call("POST", "/api/groups", JSON.stringify({ name: " Crew " }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "crew", members: [{ name: "bob", role: "admin" }] });
    expect((await call("GET", "/api/groups/CREW")).body).toMatchObject({ name: "crew" });
  });
});

describe("/asyncapi.json", () => {
  test("is a valid AsyncAPI 3 document (checked by @asyncapi/parser), the same as docs/asyncapi.json", async () => {
    const response = await fetch(`${chat.url}/asyncapi.json`);
    expect(response.status).toBe(200);
    const served = await response.json();
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(served));
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => `${diagnostic.message} at ${diagnostic.path.join(".")}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(served).toEqual(renderAsyncApi());
    // Run `bun run docs` after changing src/protocol.
    expect(JSON.parse(await Bun.file(`${import.meta.dir}/../../docs/asyncapi.json`).text())).toEqual(served);
  });

  test("has every frame a client may send and every frame the server sends", async () => {
    const document = renderAsyncApi() as { components: { messages: Record<string, { name: string }> } };
    const names = (prefix: string) => Object.keys(document.components.messages).filter((key) => key.startsWith(`${prefix}.`)).map((key) => key.slice(prefix.length + 1)).sort();
    const types = (union: { options: ReadonlyArray<{ shape: { type: { value: string } } }> }) => union.options.map((option) => option.shape.type.value).sort();
    expect(names("client")).toEqual(types(ClientFrame as never));
    expect([...names("server"), ...names("event")].sort()).toEqual(types(ServerFrame as never));
  });
});
