import { z } from "zod";
import { ERROR_CODES } from "./errors.ts";
import { CLIENT_FRAMES, EVENT_FRAMES, frameType, SERVER_FRAMES } from "./asyncapi.ts";
import * as frames from "./frames.ts";
import { HTTP_SCHEMAS, schemaName } from "./openapi.ts";
import { openApiPath, ROUTE_LIST, type RouteAnswer, type RouteSpec } from "./routes.ts";
import { DELETED_ACCOUNT, ID_RULES, NAME_RULES } from "./names.ts";

/**
 * Renders docs/protocol.md from the schemas, so the document cannot drift from
 * the code: `bun run docs` writes it, and a test fails when it is stale.
 * Every example is checked against its schema while rendering.
 */

interface Meta {
  description?: string;
  examples?: unknown[];
}

function metaOf(schema: z.ZodType): Meta {
  return (z.globalRegistry.get(schema) ?? {}) as Meta;
}

interface JsonProperty {
  description?: string;
  type?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonProperty[];
}

/** A field's type in words: its constant, its choices, its JSON type, or the alternatives of a union (`"deleted account" \| string`). */
function typeOf(property: JsonProperty): string {
  if (property.const !== undefined) return JSON.stringify(property.const);
  if (property.enum) return property.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (property.anyOf) return property.anyOf.map(typeOf).join(" \\| ");
  return String(property.type ?? "object");
}

function fieldsTable(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { unrepresentable: "any", io: "input" }) as {
    properties?: Record<string, JsonProperty>;
    required?: string[];
  };
  const rows = Object.entries(json.properties ?? {}).map(([name, property]) => {
    const type = typeOf(property);
    const required = json.required?.includes(name) ? "yes" : "no";
    return `| \`${name}\` | ${type} | ${required} | ${property.description ?? ""} |`;
  });
  return ["| field | type | required | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

function section(title: string, schema: z.ZodType): string {
  const meta = metaOf(schema);
  const examples = (meta.examples ?? []).map((example) => {
    schema.parse(example);
    return "```json\n" + JSON.stringify(example) + "\n```";
  });
  return [`### ${title}`, "", meta.description ?? "", "", fieldsTable(schema), "", ...examples, ""].join("\n");
}

const frameTitle = (schema: z.ZodType) => `\`${frameType(schema)}\``;

/** The docs' name of a body or query: its schema's name, or the words the route gives. */
function bodyWords(route: RouteSpec): string {
  const schema = route.body ?? route.query;
  if (route.bodyName) return route.bodyName;
  return schema ? (schemaName(schema) ?? "") : "";
}

function answerWords(answer: RouteAnswer): string {
  const body = answer.codes ? answer.codes.map((code) => `\`${code}\``).join(", ") : answer.schema ? (schemaName(answer.schema) ?? "") : "";
  const note = answer.note ? (answer.codes ? ` (${answer.note})` : ` ${answer.note}`) : "";
  const text = `${answer.status}${body ? ` ${body}` : ""}${note}`;
  return answer.status === 200 && answer.mediaType && answer.note && !answer.schema ? `${answer.status} ${answer.note}` : text;
}

/** One row of the HTTP table per route of the table the server registers its handlers from. */
function httpRow(route: RouteSpec): string {
  const query = route.query ? "?" + Object.keys(route.query.shape).map((key) => `${key}=…`).join("&") : "";
  const auth = route.auth === "bearer" ? `bearer${route.who ? `, ${route.who}` : ""}` : `none${route.csrf ? "; `X-Chat-CSRF: 1`" : ""}`;
  const path = openApiPath(route.path).replace(/\{(\w+)\}/g, ":$1");
  return `| \`${route.method.toUpperCase()} ${path}${query}\` | ${auth} | ${bodyWords(route)} | ${route.answers.map(answerWords).join("; ")} |`;
}

export function renderProtocolDoc(): string {
  const errorRows = Object.entries(ERROR_CODES).map(([code, { retryable, meaning }]) => `| \`${code}\` | ${retryable ? "yes" : "no"} | ${meaning} |`);
  const closeRows = Object.entries(frames.CLOSE_CODES).map(([name, code]) => `| ${code} | ${name} |`);
  return [
    "# Chat protocol",
    "",
    "<!-- Generated from src/protocol by `bun run docs`; edit the schemas, not this file. -->",
    "",
    "Clients talk to the server over HTTP (accounts, history, devices) and one WebSocket per device (messages, acks, receipts).",
    "Every body and frame is JSON, validated by the zod schemas in `src/protocol/`. Unknown fields are dropped: the server",
    "decides who the sender is from the session token, never from the frame.",
    "",
    "## Names",
    "",
    `User and group names are ${NAME_RULES}. Groups are addressed as \`#name\`.`,
    "",
    `Message and request ids are ${ID_RULES}, chosen by the client (a UUIDv7 is a good choice). An event's id is unique in its`,
    "conversation: a retry with the same id is stored once, the same id in another conversation is another event, and an id",
    "another member already used in the conversation is refused with `id_taken`. Message lengths count characters (Unicode code",
    "points), so an emoji is one character.",
    "",
    `A deleted account (\`POST /api/account/delete\`, or \`chat-server admin delete-user\`) is named \`${DELETED_ACCOUNT}\` wherever its`,
    "name stood: the `from` of the messages, reactions and notices it left, a quote's `from`, the `to` of what was sent to it,",
    "the `with` of a direct conversation with it, and read marks. It is not a valid name, so nobody can register or address it",
    `(\`GET /api/history?with=${DELETED_ACCOUNT}\` finds your direct conversation with a deleted account while you have one only).`,
    "Sending to it, by its old name or as `deleted account`, is refused with `account_deleted`. Its old name may be registered",
    "again after the server's `--name-reuse-days` (`name_taken` until then), as a new account that sees nothing of the old one.",
    "",
    "## HTTP",
    "",
    "The table below is rendered from the route table in `src/protocol/routes.ts`, which the server also registers its",
    "handlers and request validation from; so is `GET /openapi.json`, the same routes as an OpenAPI 3.1 document. The",
    "WebSocket frames are described as an AsyncAPI 3 document at `GET /asyncapi.json` and in `docs/asyncapi.json`.",
    "",
    "| method and path | auth | body / query | answer |",
    "| --- | --- | --- | --- |",
    ...ROUTE_LIST.map(httpRow),
    "",
    "Authenticated routes take `Authorization: Bearer <token>` with the token from register or login. Every 4xx/5xx answer but `/readyz`'s is an ErrorBody;",
    "a `rate_limited` one carries `retryAfterMs` and a `Retry-After` header (seconds). While the store cannot be reached or written",
    "(PostgreSQL down, a full disk), any route that needs it and the WebSocket upgrade answer 503 `store_unavailable`, also with",
    "`retryAfterMs` and `Retry-After`: nothing was changed, and the same request may be sent again then.",
    "",
    "### Browser sessions",
    "",
    "A browser cannot set `Authorization` on a WebSocket, and its scripts should never hold the token. `POST /api/browser/login`",
    "and `POST /api/browser/register` answer like login and register but put the token in a cookie instead of the body:",
    "`Set-Cookie: chat_session=<token>; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict` (and `Secure` under TLS). Every",
    "route marked bearer, and `GET /ws`, then also accept that cookie (a bearer header wins when both are sent);",
    "`POST /api/logout` with the cookie also clears it. No token is ever put in a URL.",
    "",
    "Cross-site requests: a request authenticated by the cookie whose method is not GET or HEAD, and both browser login",
    "routes, must carry the header `X-Chat-CSRF: 1` (a form on another site cannot send it, and a script on another site only",
    "after a CORS preflight this server never grants), and an `Origin` header, when present, must be this server's own origin;",
    "otherwise the answer is 403 `forbidden` and nothing changes. The WebSocket upgrade accepts the cookie only with an",
    "`Origin` equal to this server's origin (browsers always send it), against cross-site WebSocket hijacking. Requests with a",
    "bearer token need neither.",
    "",
    "### Contacts, blocking and strangers",
    "",
    "Someone counts another person as a contact once they write to them in a direct conversation (any event: a message, a",
    "reaction…), or add them with `POST /api/contacts` (which is also how one accepts a stranger who wrote first). Two people",
    "who count each other are **contacts**, and only contacts learn each other's presence and last seen (`presence`), typing",
    "(`typing` in a direct conversation) and delivered and read marks in their direct conversation (`receipt`, and `status` in",
    "history and the conversation list): a stranger who writes to you gets `sent` (✓) and nothing more, until you answer or",
    "accept. Sharing a group makes nobody a contact. `DELETE /api/contacts/:user` stops counting someone; each side then gets",
    "a last `presence` showing the other offline with no last seen. `GET /api/contacts` lists whom you count (and whether they",
    "count you: `mutual`) and whom you blocked; a `contact` frame tells your devices of every change.",
    "",
    "Blocking (`POST /api/blocks`) also stops counting the person. As in WhatsApp, the blocked person is not told: their",
    "messages to you are still answered `sent` (✓), and stored for them alone, so they never reach you (not live, not on",
    "reconnect, not in history or search, not after you unblock); replay marks them `hidden`. They get none of your",
    "presence, typing or receipts, and their adds to groups do nothing (they are told you were invited). You still see",
    "what they write in groups you share. Writing to someone you blocked is refused with `blocked`.",
    "",
    "Groups: your setting `groupAdds` says who may add you: `everyone` (the default, as in WhatsApp), your `contacts`, or",
    "`nobody`. Anyone else's add (at `POST /api/groups` or `POST /api/groups/:name/members`) becomes an invitation: the",
    "answer lists you under `invited`, you get a `group_invite` frame, and you join with `POST /api/group-invites/:name/accept`",
    "(the group gets a `joined` notice) or decline with `DELETE /api/group-invites/:name`. Each user may create groups and",
    "add (or invite) people at most `--group-adds-per-hour` times an hour (60: one per group created and one per person),",
    "so nobody can pull someone into hundreds of groups; beyond it the answer is 429 `rate_limited`.",
    "",
    "Every HTTP answer carries `Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'",
    "data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,",
    "`X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY`.",
    "",
    "### Attachments",
    "",
    "A file is uploaded before the message that sends it, and may take several requests (resumable, in the manner of tus):",
    "",
    "1. `POST /api/uploads` with its `name`, `size` and, for an image, a small `preview`: answered with the upload's `id`",
    "   (unguessable) and `offset: 0`. A size above `--max-attachment-bytes` (100 MB by default) is refused at once (413).",
    "2. `PATCH /api/uploads/{id}` with the header `Upload-Offset: <offset>` and raw bytes as the body, streamed: the server",
    "   stores them as they arrive and answers with the new `offset`. Send the whole rest of the file in one request, or",
    "   pieces in turn. A byte past the size given in step 1 is refused as it arrives (413 `attachment_too_large`), and",
    "   the upload is removed. When a connection breaks, what arrived is kept: `GET /api/uploads/{id}` tells the `offset`",
    "   to go on from (409 `upload_conflict` while the broken request is still ending, or for a wrong `Upload-Offset`).",
    "3. The request that brings the last byte finishes the upload: the server computes the size, the SHA-256 and the type",
    "   (from the bytes' own signature) and answers with `attachment`. Send it: `send` with `attachment: <id>`, and `text`",
    "   as an optional caption. Every member gets the `message` with its `attachment` (name, size, type, sha256, preview).",
    "",
    "The bytes are at `GET /api/attachments/{id}` for the members of a conversation it was sent in (and its uploader),",
    "with `Range`, `ETag` and `If-None-Match`; compare the SHA-256 after downloading. An upload never sent is removed after",
    "a day (`DELETE /api/uploads/{id}` cancels one at once); the bytes go when no message carries them any more (deleted",
    "for everyone, expired, or removed by retention). An empty file cannot be sent.",
    "",
    ...Object.entries(HTTP_SCHEMAS).map(([title, schema]) => section(title, schema)),
    "## WebSocket",
    "",
    "Open `GET /ws` with the bearer token, send `hello`, and wait for `ready`: everything stored for this device since its",
    "cursors arrives before `ready`; after it, messages arrive live. Messages of one conversation carry dense, increasing",
    "`seq` numbers: process them in order, drop a `seq` already processed, and acknowledge with `received` (cumulative; one",
    "per conversation now and then, not one per message). A repeat can arrive, since live delivery starts before the replay",
    "ends; a later `seq` can arrive before an earlier one for the same reason, so hold it until the gap fills.",
    "",
    "Limits, all enforced by the server: a frame above `--max-frame-bytes` (64 KiB) is answered `frame_too_large`, and one",
    "several times larger closes the connection with 1009; frames beyond the connection's rate and messages beyond the user's",
    "rate (all devices together) are answered `rate_limited` with `retryAfterMs`, and so is every message while more than",
    "`--max-queued-messages` (10,000) wait to be stored: nothing was stored, so send again with the same id after the wait.",
    "A client that stops reading is disconnected once `--max-buffered-bytes` (8 MiB) wait for it, without a close frame",
    "(it would sit behind the bytes the client does not read, so the client sees the connection drop, 1006), and a",
    "connection that sends nothing, not even a pong, for `--dead-after-seconds` (60) is closed; either way the device catches",
    "up from its cursors on its next `hello`. Answer pings (browsers and WebSocket libraries do). `ready` announces the",
    "connection's frame limit (`frames`): pace every frame you send, acks included, to stay within it.",
    "",
    "A server can also stop without closing anything (a frozen process keeps its connections open and answers nothing).",
    "Send `ping` when you have heard nothing for a couple of seconds; if nothing at all arrives within a few seconds more,",
    "close the connection yourself and connect again (with the same address: a load balancer may send you to another",
    "server). Give up on an upgrade that gets no answer within a few seconds the same way. The SDK pings after 2 s of",
    "silence and reconnects after 5 s.",
    "",
    "### Keeping order",
    "",
    "The events (`send`, `edit`, `delete`, `react`, `timer`) one connection sends to one conversation are stored in the",
    "order they arrive, and the server keeps that order through failures: once one of them is refused with a retryable",
    "code (`store_unavailable`, `rate_limited`, `internal`), nothing later of that conversation from that connection is",
    "stored before it. The later ones already on their way are refused too, and so is every later one sent before the",
    "refused one comes again: with the same code (and `retryAfterMs`) as the first refusal and a message naming its id.",
    "A refusal that came before the server knew the conversation (an action without `to`, a rate limit) holds every",
    "conversation of the connection the same way. A new connection starts afresh. A refused copy of an event this",
    "connection already had accepted (sent again before its answer came) holds nothing: the original's own answer follows.",
    "",
    "So a client that wants its events stored in the order the user made them may send them one after another without",
    "waiting for answers, and after a retryable refusal must: stop sending new events, wait `retryAfterMs` (or a backoff",
    "of its own), wait for the answers to everything it already sent (each is `sent` or a refusal), then send every event",
    "not yet answered `sent` again, oldest first, with the same ids. An event refused for good (a code that is not",
    "retryable) leaves the queue; later ones are not held for it. Over a new connection, send every unanswered event again,",
    "oldest first.",
    "",
    "### Client → server",
    "",
    ...CLIENT_FRAMES.map((schema) => section(frameTitle(schema), schema)),
    "### Server → client",
    "",
    ...SERVER_FRAMES.map((schema) => section(frameTitle(schema), schema)),
    "### Events of a conversation",
    "",
    "A conversation is one stream of events, numbered by `seq`: messages, and edits, deletes and reactions that refer to an",
    "earlier message by its id (`target`), and notices of changes to the conversation. All kinds are replayed, ordered,",
    "acknowledged and deduplicated alike. Receipts count messages: a reaction, an edit or a notice does not make a chat",
    "unread and is no message to show ticks for; a client may acknowledge and mark read past them as it does past messages.",
    "A message replayed after it was edited or deleted arrives in its current state, and the edit or delete follows it.",
    "",
    ...EVENT_FRAMES.map((schema) => section(frameTitle(schema), schema)),
    "## Error codes",
    "",
    "| code | retry can help | meaning |",
    "| --- | --- | --- |",
    ...errorRows,
    "",
    "## Close codes",
    "",
    "| code | meaning |",
    "| --- | --- |",
    ...closeRows,
    "",
  ].join("\n");
}

if (import.meta.main) process.stdout.write(renderProtocolDoc());
