import { z } from "zod";
import type { ErrorCode } from "./errors.ts";
import { GroupInfo, GroupList, GroupUser, CreateGroup, MessageReceipts, PrivacySettings, PrivacyUpdate, ReceiptsQuery, RenameGroup } from "./groups.ts";
import {
  BrowserSession,
  ConversationList,
  Credentials,
  DeviceList,
  HideRequest,
  HistoryPage,
  HistoryQuery,
  MessagePlace,
  Readiness,
  SearchPage,
  SearchQuery,
  Session,
} from "./http.ts";
import { ContactEntry, ContactList, ContactUser, GroupInviteList } from "./contacts.ts";
import { MessageId, Name } from "./names.ts";
import { AccountDeletion, DataExport, PasswordChange, PasswordChanged } from "./account.ts";
import { NewUpload, UploadParams, UploadStatus } from "./uploads.ts";

/**
 * Every HTTP route the server answers, in one table: the server registers its handlers from it
 * (with the request schemas as validators), `/openapi.json` and the HTTP table of docs/protocol.md
 * are rendered from it, and a test fails when the server answers a route that is not here.
 */

export type Method = "get" | "post" | "patch" | "delete";

/** An answer: a status, what its body is (a schema, or a media type with a sentence), and the error codes it can carry. */
export interface RouteAnswer {
  status: number;
  /** A JSON body of this schema. */
  schema?: z.ZodType;
  /** A body that is not JSON, or none worth a schema: its media type. */
  mediaType?: string;
  /** Error codes with this status (the body is an ErrorBody). */
  codes?: readonly ErrorCode[];
  /** A few words for the docs' answer column, after the status and body. */
  note?: string;
}

export interface RouteSpec {
  method: Method;
  /** The path in Hono's syntax (`:name`, `:id{[0-9]+}`). */
  path: string;
  /** Who may call it: anyone, or a session (bearer token, or a browser's cookie); `who` narrows it in words. */
  auth: "none" | "bearer";
  who?: string;
  /** Needs `X-Chat-CSRF: 1` even without a cookie (the browser login routes). */
  csrf?: boolean;
  summary: string;
  body?: z.ZodType;
  /** The name the docs give the body, when it is not a named schema of its own. */
  bodyName?: string;
  query?: z.ZodObject;
  params?: z.ZodObject;
  answers: readonly RouteAnswer[];
  /** Answered outside the HTTP app's route table (e.g. `/ws`, taken by Bun.serve before Hono). */
  outsideHono?: string;
  /** When Hono registers it under another path (the web app's catch-all). */
  honoPath?: string;
}

const RATE = "rate_limited" as const;

function route<const R extends RouteSpec>(spec: R): R {
  return spec;
}

const GroupParams = z.object({ name: Name });

export const ROUTES = {
  register: route({
    method: "post",
    path: "/api/register",
    auth: "none",
    summary: "Creates an account and logs this device in.",
    body: Credentials,
    answers: [
      { status: 201, schema: Session },
      { status: 403, codes: ["registration_closed", "invite_invalid"], note: "`--registration closed`; or `invite` without a valid code" },
      { status: 409, codes: ["name_taken"] },
      { status: 429, codes: [RATE], note: "too many attempts from this address" },
    ],
  }),
  login: route({
    method: "post",
    path: "/api/login",
    auth: "none",
    summary: "Logs a device in with name and password.",
    body: Credentials,
    answers: [
      { status: 200, schema: Session },
      { status: 404, codes: ["unknown_user"] },
      { status: 401, codes: ["wrong_password"] },
      { status: 403, codes: ["limit_reached"], note: "device cap" },
      { status: 429, codes: [RATE], note: "name locked for this address after failed logins (or for everyone after many from all addresses), or too many attempts from this address" },
    ],
  }),
  browserRegister: route({
    method: "post",
    path: "/api/browser/register",
    auth: "none",
    csrf: true,
    summary: "Register for a browser: the token goes into the HttpOnly session cookie, never to the page.",
    body: Credentials,
    answers: [
      { status: 201, schema: BrowserSession, note: "and the session cookie" },
      {
        status: 403,
        codes: ["forbidden", "registration_closed", "invite_invalid"],
        note: "no `X-Chat-CSRF: 1`, or another site's `Origin`; `--registration closed`; or `invite` without a valid code",
      },
      { status: 409, codes: ["name_taken"] },
      { status: 429, codes: [RATE] },
    ],
  }),
  browserLogin: route({
    method: "post",
    path: "/api/browser/login",
    auth: "none",
    csrf: true,
    summary: "Login for a browser: the token goes into the HttpOnly session cookie, never to the page.",
    body: Credentials,
    answers: [
      { status: 200, schema: BrowserSession, note: "and the session cookie" },
      { status: 404, codes: ["unknown_user"] },
      { status: 401, codes: ["wrong_password"] },
      { status: 403, codes: ["limit_reached", "forbidden"], note: "device cap; or no `X-Chat-CSRF: 1`, or another site's `Origin`" },
      { status: 429, codes: [RATE] },
    ],
  }),
  session: route({
    method: "get",
    path: "/api/session",
    auth: "bearer",
    summary: "Who this token or cookie is.",
    answers: [{ status: 200, schema: BrowserSession }],
  }),
  conversations: route({
    method: "get",
    path: "/api/conversations",
    auth: "bearer",
    summary: "Every conversation you are in, for a chat list.",
    answers: [{ status: 200, schema: ConversationList }],
  }),
  history: route({
    method: "get",
    path: "/api/history",
    auth: "bearer",
    summary: "A page of one conversation's history, newest first.",
    query: HistoryQuery,
    answers: [
      { status: 200, schema: HistoryPage },
      { status: 403, codes: ["not_member"] },
    ],
  }),
  search: route({
    method: "get",
    path: "/api/search",
    auth: "bearer",
    summary: "Full-text search over your conversations.",
    query: SearchQuery,
    answers: [{ status: 200, schema: SearchPage }],
  }),
  locate: route({
    method: "get",
    path: "/api/messages/:id",
    auth: "bearer",
    summary: "Which of your conversations holds a message.",
    params: z.object({ id: MessageId }),
    answers: [
      { status: 200, schema: MessagePlace },
      { status: 404, codes: ["unknown_message"], note: "none of your conversations has it" },
    ],
  }),
  hide: route({
    method: "post",
    path: "/api/hide",
    auth: "bearer",
    summary: "Deletes a message for yourself.",
    body: HideRequest,
    answers: [
      { status: 204, note: "and your devices get a `hidden` frame" },
      { status: 404, codes: ["unknown_message"] },
    ],
  }),
  createUpload: route({
    method: "post",
    path: "/api/uploads",
    auth: "bearer",
    summary: "Starts an upload of a file to send: its name, size and (for an image) a small preview. Unsent uploads are removed after a day.",
    body: NewUpload,
    answers: [
      { status: 201, schema: UploadStatus },
      { status: 413, codes: ["attachment_too_large"], note: "larger than `--max-attachment-bytes`" },
    ],
  }),
  uploadStatus: route({
    method: "get",
    path: "/api/uploads/:id",
    auth: "bearer",
    who: "its uploader",
    summary: "Where an upload stands: how many bytes arrived (resume from `offset` after a broken connection), and the attachment once finished.",
    params: UploadParams,
    answers: [
      { status: 200, schema: UploadStatus },
      { status: 404, codes: ["unknown_attachment"] },
    ],
  }),
  appendUpload: route({
    method: "patch",
    path: "/api/uploads/:id",
    auth: "bearer",
    who: "its uploader",
    summary:
      "Adds bytes to an upload, streamed: the body is raw bytes (`application/offset+octet-stream` or any type) to store from the header `Upload-Offset` (the `offset` stored so far). The request that brings the last byte finishes the upload: the server computes size, SHA-256 and type and answers with the attachment. A byte past the upload's size is refused while it arrives, and the upload is removed.",
    params: UploadParams,
    bodyName: "bytes",
    answers: [
      { status: 200, schema: UploadStatus },
      { status: 404, codes: ["unknown_attachment"] },
      { status: 409, codes: ["upload_conflict"], note: "`Upload-Offset` is not the stored `offset`, or another request is adding to it" },
      { status: 413, codes: ["attachment_too_large"], note: "more bytes than the upload's size: the upload is removed" },
    ],
  }),
  cancelUpload: route({
    method: "delete",
    path: "/api/uploads/:id",
    auth: "bearer",
    who: "its uploader",
    summary: "Cancels an unsent upload and removes its bytes (an upload already sent stays with its messages).",
    params: UploadParams,
    answers: [
      { status: 204 },
      { status: 404, codes: ["unknown_attachment"] },
    ],
  }),
  attachment: route({
    method: "get",
    path: "/api/attachments/:id",
    auth: "bearer",
    who: "a member of a conversation it was sent in (or its uploader)",
    summary:
      "The bytes of an attachment, with `Range` (one range; 206 with `Content-Range`), `ETag` (its SHA-256; `If-None-Match` answers 304) and the original name in `Content-Disposition`. `Content-Type` is the type sniffed from the bytes: images, audio and video are `inline`, everything else `attachment`; every answer has `X-Content-Type-Options: nosniff` and a CSP that forbids scripts.",
    params: UploadParams,
    answers: [
      { status: 200, mediaType: "application/octet-stream", note: "the bytes, of the sniffed type" },
      { status: 206, mediaType: "application/octet-stream", note: "the range asked for" },
      { status: 304, note: "unchanged since the `ETag` sent in `If-None-Match`" },
      { status: 404, codes: ["unknown_attachment"], note: "no such attachment, or none of your conversations has it" },
      { status: 416, note: "the range lies outside the file" },
    ],
  }),
  devices: route({
    method: "get",
    path: "/api/devices",
    auth: "bearer",
    summary: "Your logged-in devices.",
    answers: [{ status: 200, schema: DeviceList }],
  }),
  revokeDevice: route({
    method: "delete",
    path: "/api/devices/:id{[0-9]+}",
    auth: "bearer",
    summary: "Logs one of your devices out at once.",
    params: z.object({ id: z.coerce.number().int().nonnegative().meta({ description: "the device's id, from `GET /api/devices`" }) }),
    answers: [{ status: 204, note: "the device's socket closes with 4001" }],
  }),
  logout: route({
    method: "post",
    path: "/api/logout",
    auth: "bearer",
    summary: "Logs this device out (and clears the session cookie when it came with one).",
    answers: [{ status: 204, note: "this token stops working" }],
  }),
  settings: route({
    method: "get",
    path: "/api/settings",
    auth: "bearer",
    summary: "Your privacy settings.",
    answers: [{ status: 200, schema: PrivacySettings }],
  }),
  updateSettings: route({
    method: "patch",
    path: "/api/settings",
    auth: "bearer",
    summary: "Changes any part of your privacy settings.",
    body: PrivacyUpdate,
    bodyName: "part of PrivacySettings",
    answers: [{ status: 200, schema: PrivacySettings }],
  }),
  changePassword: route({
    method: "post",
    path: "/api/password",
    auth: "bearer",
    summary: "Changes your password (needs the current one); this device stays logged in, the others too unless you choose otherwise.",
    body: PasswordChange,
    answers: [
      { status: 200, schema: PasswordChanged, note: "other devices logged out have their sockets closed with 4001" },
      { status: 401, codes: ["wrong_password"], note: "the current password is not right" },
      { status: 429, codes: [RATE], note: "too many wrong passwords for this name, as for login" },
    ],
  }),
  deleteAccount: route({
    method: "post",
    path: "/api/account/delete",
    auth: "bearer",
    summary:
      "Deletes your account (needs the password): every device is logged out at once, you leave every group, your messages stay for the others as sent by `deleted account`, and your name is free for others after the server's --name-reuse-days.",
    body: AccountDeletion,
    answers: [
      { status: 204, note: "every socket of the account closes with 4001" },
      { status: 401, codes: ["wrong_password"], note: "the password is not right" },
      { status: 429, codes: [RATE], note: "too many wrong passwords for this name, as for login" },
    ],
  }),
  exportData: route({
    method: "get",
    path: "/api/export",
    auth: "bearer",
    summary: "Your data as one JSON file: account, settings, devices, groups, and the messages of your conversations that you can see.",
    answers: [{ status: 200, schema: DataExport, note: "as a download (Content-Disposition: attachment)" }],
  }),
  createGroup: route({
    method: "post",
    path: "/api/groups",
    auth: "bearer",
    summary: "Creates a group; you become its admin.",
    body: CreateGroup,
    answers: [
      { status: 201, schema: GroupInfo },
      { status: 409, codes: ["name_taken"] },
    ],
  }),
  groups: route({
    method: "get",
    path: "/api/groups",
    auth: "bearer",
    summary: "The groups you are in.",
    answers: [{ status: 200, schema: GroupList }],
  }),
  group: route({
    method: "get",
    path: "/api/groups/:name",
    auth: "bearer",
    who: "member",
    summary: "A group's members and their roles.",
    params: GroupParams,
    answers: [{ status: 200, schema: GroupInfo }],
  }),
  renameGroup: route({
    method: "patch",
    path: "/api/groups/:name",
    auth: "bearer",
    who: "admin",
    summary: "Renames a group.",
    params: GroupParams,
    body: RenameGroup,
    answers: [{ status: 200, schema: GroupInfo }],
  }),
  addMember: route({
    method: "post",
    path: "/api/groups/:name/members",
    auth: "bearer",
    who: "admin",
    summary: "Adds a member to a group.",
    params: GroupParams,
    body: GroupUser,
    answers: [{ status: 200, schema: GroupInfo }],
  }),
  removeMember: route({
    method: "delete",
    path: "/api/groups/:name/members/:user",
    auth: "bearer",
    who: "admin (or the user: leave)",
    summary: "Removes a member from a group, or leaves it.",
    params: z.object({ name: Name, user: Name }),
    answers: [{ status: 204 }],
  }),
  promote: route({
    method: "post",
    path: "/api/groups/:name/admins",
    auth: "bearer",
    who: "admin",
    summary: "Makes a member an admin.",
    params: GroupParams,
    body: GroupUser,
    answers: [{ status: 200, schema: GroupInfo }],
  }),
  receipts: route({
    method: "get",
    path: "/api/groups/:name/receipts",
    auth: "bearer",
    who: "member",
    summary: "Who has received and read one message of a group.",
    params: GroupParams,
    query: ReceiptsQuery,
    answers: [{ status: 200, schema: MessageReceipts }],
  }),
  groupInvites: route({
    method: "get",
    path: "/api/group-invites",
    auth: "bearer",
    summary: "Your invitations to groups: adds that your `groupAdds` setting turned into invitations.",
    answers: [{ status: 200, schema: GroupInviteList }],
  }),
  acceptGroupInvite: route({
    method: "post",
    path: "/api/group-invites/:name/accept",
    auth: "bearer",
    who: "the invited user",
    summary: "Joins the group you were invited to; its members get a `joined` notice.",
    params: GroupParams,
    answers: [
      { status: 200, schema: GroupInfo },
      { status: 404, codes: ["not_found"], note: "no invitation to that group" },
    ],
  }),
  declineGroupInvite: route({
    method: "delete",
    path: "/api/group-invites/:name",
    auth: "bearer",
    who: "the invited user",
    summary: "Declines an invitation; nobody is told.",
    params: GroupParams,
    answers: [{ status: 204 }, { status: 404, codes: ["not_found"], note: "no invitation to that group" }],
  }),
  contacts: route({
    method: "get",
    path: "/api/contacts",
    auth: "bearer",
    summary: "Everyone you count as a contact (and whether they count you), and everyone you blocked.",
    answers: [{ status: 200, schema: ContactList }],
  }),
  addContact: route({
    method: "post",
    path: "/api/contacts",
    auth: "bearer",
    summary: "Adds a contact, or accepts someone who wrote to you; adding someone you blocked unblocks them.",
    body: ContactUser,
    answers: [{ status: 200, schema: ContactEntry, note: "your devices get a `contact` frame" }],
  }),
  removeContact: route({
    method: "delete",
    path: "/api/contacts/:user",
    auth: "bearer",
    summary: "Stops counting someone as a contact: presence, typing and receipts stop flowing both ways.",
    params: z.object({ user: Name }),
    answers: [{ status: 204 }],
  }),
  block: route({
    method: "post",
    path: "/api/blocks",
    auth: "bearer",
    summary: "Blocks a user: see Contacts, blocking and strangers.",
    body: ContactUser,
    answers: [{ status: 204, note: "your devices get a `contact` frame" }],
  }),
  unblock: route({
    method: "delete",
    path: "/api/blocks/:user",
    auth: "bearer",
    summary: "Unblocks a user. What they sent while blocked stays unseen.",
    params: z.object({ user: Name }),
    answers: [{ status: 204 }],
  }),
  openapi: route({
    method: "get",
    path: "/openapi.json",
    auth: "none",
    summary: "This API as an OpenAPI 3.1 document, rendered from the same route table as the server's handlers.",
    answers: [{ status: 200, mediaType: "application/json", note: "OpenAPI 3.1" }],
  }),
  asyncapi: route({
    method: "get",
    path: "/asyncapi.json",
    auth: "none",
    summary: "The WebSocket frames as an AsyncAPI 3 document, rendered from the frame schemas.",
    answers: [{ status: 200, mediaType: "application/json", note: "AsyncAPI 3.0" }],
  }),
  healthz: route({
    method: "get",
    path: "/healthz",
    auth: "none",
    summary: "Liveness: the process answers.",
    answers: [{ status: 200, mediaType: "text/plain", note: "`ok`" }],
  }),
  readyz: route({
    method: "get",
    path: "/readyz",
    auth: "none",
    summary: "Readiness: the store and the bus answer (the store also takes writes).",
    answers: [
      { status: 200, schema: Readiness, note: "`{\"ready\":true,\"checks\":{\"store\":\"ok\",\"bus\":\"ok\"}}`" },
      { status: 503, schema: Readiness, note: "with `ready: false` and the check that is `unreachable` (the store also while its writes fail, as on a full disk)" },
    ],
    outsideHono: "src/server/operations.ts, mounted by server.ts",
  }),
  metrics: route({
    method: "get",
    path: "/metrics",
    auth: "none",
    summary:
      "Prometheus metrics, for the operator only: by default to a client on the server's machine (loopback, not forwarded by a proxy); with --metrics-token to 'Authorization: Bearer <metrics token>'; with --metrics-port only on that port.",
    answers: [
      { status: 200, mediaType: "text/plain; version=0.0.4", note: "Prometheus text (version 0.0.4)" },
      { status: 401, codes: ["unauthorized"], note: "--metrics-token is set and the request does not carry it" },
      { status: 403, codes: ["forbidden"], note: "neither option is set and the client is not on the server's machine" },
      { status: 404, codes: ["not_found"], note: "--metrics-port is set: /metrics is served there, not on the main port" },
    ],
    outsideHono: "src/server/operations.ts, mounted by server.ts",
  }),
  ws: route({
    method: "get",
    path: "/ws",
    auth: "bearer",
    summary: "The WebSocket: upgrade, then the frames of the WebSocket section (and asyncapi.json).",
    bodyName: "WebSocket upgrade",
    answers: [
      { status: 101, note: "switching to the WebSocket" },
      { status: 400, codes: ["bad_request"], note: "not an upgrade" },
      { status: 401, codes: ["unauthorized"] },
      { status: 403, codes: ["forbidden"], note: "a session cookie from another site's page" },
      { status: 503, codes: ["store_unavailable"] },
    ],
    outsideHono: "Bun.serve's fetch in src/server/server.ts, before Hono",
  }),
  webApp: route({
    method: "get",
    path: "/",
    honoPath: "/*",
    auth: "none",
    summary: "The web client (its scripts and styles at `/chunk-….js`, `/chunk-….css`).",
    answers: [
      { status: 200, mediaType: "text/html", note: "the web client (its scripts and styles at `/chunk-….js`, `/chunk-….css`)" },
      { status: 304, note: "unchanged since the `ETag` sent in `If-None-Match`" },
    ],
  }),
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;
export const ROUTE_LIST: readonly RouteSpec[] = Object.values(ROUTES);

/** `/api/devices/:id{[0-9]+}` → `/api/devices/{id}`, as OpenAPI writes paths. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
}
