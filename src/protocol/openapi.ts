import { z } from "zod";
import { ERROR_CODES } from "./errors.ts";
import * as account from "./account.ts";
import * as contacts from "./contacts.ts";
import * as groups from "./groups.ts";
import * as http from "./http.ts";
import * as uploads from "./uploads.ts";
import { openApiPath, ROUTES, type RouteAnswer, type RouteSpec } from "./routes.ts";
import packageJson from "../../package.json" with { type: "json" };

/**
 * `/openapi.json`: the HTTP routes as an OpenAPI 3.1 document, rendered from the route table
 * (src/protocol/routes.ts) the server registers its handlers from, with the zod schemas as JSON Schema.
 */

/** The named HTTP schemas: components of the OpenAPI document and sections of docs/protocol.md, in this order. */
export const HTTP_SCHEMAS: Record<string, z.ZodType> = {
  Credentials: http.Credentials,
  Session: http.Session,
  BrowserSession: http.BrowserSession,
  HistoryQuery: http.HistoryQuery,
  HistoryPage: http.HistoryPage,
  ConversationList: http.ConversationList,
  SearchQuery: http.SearchQuery,
  SearchPage: http.SearchPage,
  MessagePlace: http.MessagePlace,
  HideRequest: http.HideRequest,
  NewUpload: uploads.NewUpload,
  UploadStatus: uploads.UploadStatus,
  DeviceList: http.DeviceList,
  PasswordChange: account.PasswordChange,
  PasswordChanged: account.PasswordChanged,
  AccountDeletion: account.AccountDeletion,
  DataExport: account.DataExport,
  PrivacySettings: groups.PrivacySettings,
  CreateGroup: groups.CreateGroup,
  GroupUser: groups.GroupUser,
  RenameGroup: groups.RenameGroup,
  GroupInfo: groups.GroupInfo,
  GroupList: groups.GroupList,
  MessageReceipts: groups.MessageReceipts,
  GroupInviteList: contacts.GroupInviteList,
  ContactUser: contacts.ContactUser,
  ContactEntry: contacts.ContactEntry,
  ContactList: contacts.ContactList,
  Readiness: http.Readiness,
  ErrorBody: http.ErrorBody,
};

const NAMES = new Map<z.ZodType, string>(Object.entries(HTTP_SCHEMAS).map(([name, schema]) => [schema, name]));

/** The name a schema has in the documents, if it has one. */
export function schemaName(schema: z.ZodType): string | undefined {
  return NAMES.get(schema);
}

type Json = Record<string, unknown>;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema, as a request (`input`) or an answer (`output`) sees it. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io }) as Json;
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function schemaOrRef(schema: z.ZodType, io: "input" | "output", used: Map<string, "input" | "output">): Json {
  const name = schemaName(schema);
  if (!name) return jsonSchema(schema, io);
  used.set(name, io);
  return ref(name);
}

function parameters(object: z.ZodObject | undefined, where: "query" | "path"): Json[] {
  if (!object) return [];
  const json = jsonSchema(object, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === "path" || (json.required?.includes(name) ?? false),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** The answers every route of a kind can give besides its own: invalid input, no session, the store out. */
export function implicitAnswers(route: RouteSpec): RouteAnswer[] {
  const extra: RouteAnswer[] = [];
  if (route.body || route.query || route.params) extra.push({ status: 400, codes: ["bad_request"] });
  if (route.auth === "bearer") extra.push({ status: 401, codes: ["unauthorized"] });
  if (route.path.startsWith("/api/")) extra.push({ status: 503, codes: ["store_unavailable"], note: "with `Retry-After`" });
  return extra;
}

function responses(route: RouteSpec, used: Map<string, "input" | "output">): Json {
  const byStatus = new Map<number, RouteAnswer[]>();
  for (const answer of [...route.answers, ...implicitAnswers(route)]) {
    byStatus.set(answer.status, [...(byStatus.get(answer.status) ?? []), answer]);
  }
  const out: Json = {};
  for (const [status, answers] of [...byStatus].sort(([a], [b]) => a - b)) {
    const codes = [...new Set(answers.flatMap((answer) => answer.codes ?? []))];
    const words = [
      ...answers.map((answer) => answer.note).filter(Boolean),
      ...codes.map((code) => `\`${code}\`: ${ERROR_CODES[code].meaning}`),
    ];
    const first = answers[0]!;
    let content: Json | undefined;
    if (codes.length > 0) content = { "application/json": { schema: ref("ErrorBody") } };
    else if (first.schema) content = { "application/json": { schema: schemaOrRef(first.schema, "output", used) } };
    else if (first.mediaType) content = { [first.mediaType]: { schema: first.mediaType.startsWith("application/json") ? { type: "object" } : { type: "string" } } };
    if (codes.length > 0) used.set("ErrorBody", "output");
    out[String(status)] = { description: words.join("; ") || (status < 300 ? "success" : "see the status"), ...(content ? { content } : {}) };
  }
  return out;
}

export function renderOpenApi(): Json {
  const used = new Map<string, "input" | "output">();
  const paths: Record<string, Record<string, Json>> = {};
  for (const [operationId, route] of Object.entries(ROUTES) as Array<[string, RouteSpec]>) {
    const operation: Json = {
      operationId,
      summary: route.summary,
      ...(route.who ? { description: `Only for a ${route.who}.` } : {}),
      security: route.auth === "bearer" ? [{ bearer: [] }, { sessionCookie: [] }] : [],
    };
    const params = [
      ...parameters(route.params, "path"),
      ...parameters(route.query, "query"),
      ...(route.csrf ? [{ name: "X-Chat-CSRF", in: "header", required: true, description: "proves the request comes from this server's own page", schema: { const: "1" } }] : []),
    ];
    if (params.length > 0) operation.parameters = params;
    if (route.body) operation.requestBody = { required: true, content: { "application/json": { schema: schemaOrRef(route.body, "input", used) } } };
    operation.responses = responses(route, used);
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  const schemas: Json = {};
  for (const [name, schema] of Object.entries(HTTP_SCHEMAS)) if (used.has(name)) schemas[name] = jsonSchema(schema, used.get(name)!);
  return {
    openapi: "3.1.0",
    info: {
      title: "Chat HTTP API",
      version: packageJson.version,
      description:
        "Accounts, history, devices, groups and settings over HTTP; messages over the WebSocket at `/ws` (described by `/asyncapi.json`). Rendered from the server's route table: see docs/protocol.md.",
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "the token from `POST /api/register` or `POST /api/login`" },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "chat_session",
          description: "a browser's session, from `POST /api/browser/login`; requests other than GET and HEAD also need `X-Chat-CSRF: 1`",
        },
      },
    },
  };
}
