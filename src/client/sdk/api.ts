import { z } from "zod";
import {
  BrowserSession,
  ChatError,
  ContactEntry,
  ContactList,
  ConversationList,
  type Credentials,
  DeviceList,
  ErrorBody,
  GroupInfo,
  GroupInviteList,
  GroupList,
  type HideRequest,
  MessagePlace,
  HistoryPage,
  MessageReceipts,
  type SearchQuery,
  SearchPage,
  PrivacySettings,
  type PrivacyUpdate,
  Session,
  type PasswordChange,
  PasswordChanged,
  type NewUpload,
  UploadStatus,
} from "../../protocol/index.ts";
import type { ServerAddress } from "./address.ts";
import { networkReason, ServerUnreachableError } from "./errors.ts";
import type { TlsTrust } from "./tls-trust.ts";

const REQUEST_TIMEOUT_MS = 10_000;

export interface HistoryRequest {
  with: string;
  before?: number;
  limit?: number;
}

/**
 * The HTTP side of the server: accounts, history, search, devices, privacy, groups. Every answer is checked
 * against its schema; a server error becomes a `ChatError` with its code and sentence,
 * a network failure a `ServerUnreachableError`. `trust` names the certificate authorities
 * for an https:// server, when not only the usual ones.
 */
export class ChatApi {
  constructor(
    readonly server: ServerAddress,
    private readonly trust?: TlsTrust,
  ) {}

  /** Resolves when the server answers at all (its liveness probe); a `ServerUnreachableError` when it does not. */
  async reachable(): Promise<void> {
    await this.request("GET", "/healthz", {});
  }

  login(credentials: Credentials): Promise<Session> {
    return this.request("POST", "/api/login", { body: credentials, answer: Session });
  }

  register(credentials: Credentials): Promise<Session> {
    return this.request("POST", "/api/register", { body: credentials, answer: Session });
  }

  /** Logs a browser in: the server keeps the token in an HttpOnly cookie (the answer has none). */
  browserLogin(credentials: Credentials): Promise<BrowserSession> {
    return this.request("POST", "/api/browser/login", { body: credentials, answer: BrowserSession });
  }

  browserRegister(credentials: Credentials): Promise<BrowserSession> {
    return this.request("POST", "/api/browser/register", { body: credentials, answer: BrowserSession });
  }

  /** Who the token (or a browser's session cookie, with an empty token) belongs to. */
  session(token: string): Promise<BrowserSession> {
    return this.request("GET", "/api/session", { token, answer: BrowserSession });
  }

  /** Every conversation of the user, newest activity first, with unread counts. */
  conversations(token: string): Promise<ConversationList> {
    return this.request("GET", "/api/conversations", { token, answer: ConversationList });
  }

  history(token: string, query: HistoryRequest): Promise<HistoryPage> {
    const params = new URLSearchParams({ with: query.with });
    if (query.before !== undefined) params.set("before", String(query.before));
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    return this.request("GET", `/api/history?${params}`, { token, answer: HistoryPage });
  }

  /** Messages with every word of `q` in this user's conversations, newest first. */
  search(token: string, query: z.input<typeof SearchQuery>): Promise<SearchPage> {
    const params = new URLSearchParams({ q: query.q });
    if (query.before !== undefined) params.set("before", query.before);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    return this.request("GET", `/api/search?${params}`, { token, answer: SearchPage });
  }

  /** Which of this user's conversations holds the message `id`. */
  locate(token: string, id: string): Promise<MessagePlace> {
    return this.request("GET", `/api/messages/${encodeURIComponent(id)}`, { token, answer: MessagePlace });
  }

  /** Deletes a message for this user only; their devices get a `hidden` frame. */
  async hide(token: string, request: z.input<typeof HideRequest>): Promise<void> {
    await this.request("POST", "/api/hide", { token, body: request });
  }

  devices(token: string): Promise<DeviceList> {
    return this.request("GET", "/api/devices", { token, answer: DeviceList });
  }

  async revokeDevice(token: string, deviceId: number): Promise<void> {
    await this.request("DELETE", `/api/devices/${deviceId}`, { token });
  }

  async logout(token: string): Promise<void> {
    await this.request("POST", "/api/logout", { token });
  }

  privacy(token: string): Promise<PrivacySettings> {
    return this.request("GET", "/api/settings", { token, answer: PrivacySettings });
  }

  setPrivacy(token: string, update: z.input<typeof PrivacyUpdate>): Promise<PrivacySettings> {
    return this.request("PATCH", "/api/settings", { token, body: update, answer: PrivacySettings });
  }

  /** Changes the password (the current one is checked); this device stays logged in. */
  changePassword(token: string, change: PasswordChange): Promise<PasswordChanged> {
    return this.request("POST", "/api/password", { token, body: change, answer: PasswordChanged });
  }

  /** Deletes the account for good (the password is checked); every device, this one too, is logged out. */
  async deleteAccount(token: string, password: string): Promise<void> {
    await this.request("POST", "/api/account/delete", { token, body: { password } });
  }

  /** The user's data (a DataExport) as the server streams it, to be written to a file as it comes. */
  async exportData(token: string): Promise<ReadableStream<Uint8Array>> {
    // A long history takes a while: no time limit for the whole download, only the server's answer is awaited.
    const response = await this.fetch("GET", "/api/export", { token, timeoutMs: null });
    return response.body ?? new Response("").body!;
  }

  /** Creates a group; the creator is its first admin. */
  createGroup(token: string, name: string, members: string[]): Promise<GroupInfo> {
    return this.request("POST", "/api/groups", { token, body: { name, members }, answer: GroupInfo });
  }

  /** The groups this user is in. */
  groups(token: string): Promise<GroupList> {
    return this.request("GET", "/api/groups", { token, answer: GroupList });
  }

  group(token: string, name: string): Promise<GroupInfo> {
    return this.request("GET", groupPath(name), { token, answer: GroupInfo });
  }

  addGroupMember(token: string, group: string, user: string): Promise<GroupInfo> {
    return this.request("POST", `${groupPath(group)}/members`, { token, body: { user }, answer: GroupInfo });
  }

  /** Removes a member; removing oneself is leaving. */
  async removeGroupMember(token: string, group: string, user: string): Promise<void> {
    await this.request("DELETE", `${groupPath(group)}/members/${encodeURIComponent(user)}`, { token });
  }

  promoteGroupMember(token: string, group: string, user: string): Promise<GroupInfo> {
    return this.request("POST", `${groupPath(group)}/admins`, { token, body: { user }, answer: GroupInfo });
  }

  renameGroup(token: string, group: string, newName: string): Promise<GroupInfo> {
    return this.request("PATCH", groupPath(group), { token, body: { name: newName }, answer: GroupInfo });
  }

  /** Which members have message `seq` of the group, and which have read it. */
  groupReceipts(token: string, group: string, seq: number): Promise<MessageReceipts> {
    return this.request("GET", `${groupPath(group)}/receipts?seq=${seq}`, { token, answer: MessageReceipts });
  }

  /** Everyone this user counts as a contact, and everyone they blocked. */
  contacts(token: string): Promise<ContactList> {
    return this.request("GET", "/api/contacts", { token, answer: ContactList });
  }

  /** Adds a contact, or accepts someone who wrote first. */
  addContact(token: string, user: string): Promise<ContactEntry> {
    return this.request("POST", "/api/contacts", { token, body: { user }, answer: ContactEntry });
  }

  async removeContact(token: string, user: string): Promise<void> {
    await this.request("DELETE", `/api/contacts/${encodeURIComponent(user)}`, { token });
  }

  async block(token: string, user: string): Promise<void> {
    await this.request("POST", "/api/blocks", { token, body: { user } });
  }

  async unblock(token: string, user: string): Promise<void> {
    await this.request("DELETE", `/api/blocks/${encodeURIComponent(user)}`, { token });
  }

  groupInvites(token: string): Promise<GroupInviteList> {
    return this.request("GET", "/api/group-invites", { token, answer: GroupInviteList });
  }

  acceptGroupInvite(token: string, group: string): Promise<GroupInfo> {
    return this.request("POST", `/api/group-invites/${encodeURIComponent(group)}/accept`, { token, answer: GroupInfo });
  }

  async declineGroupInvite(token: string, group: string): Promise<void> {
    await this.request("DELETE", `/api/group-invites/${encodeURIComponent(group)}`, { token });
  }

  /** Starts an upload of a file to send (see docs/protocol.md, Attachments). */
  startUpload(token: string, upload: NewUpload): Promise<UploadStatus> {
    return this.request("POST", "/api/uploads", { token, body: upload, answer: UploadStatus });
  }

  /** How many bytes of an upload the server has, to go on from there. */
  uploadStatus(token: string, id: string): Promise<UploadStatus> {
    return this.request("GET", uploadPath(id), { token, answer: UploadStatus });
  }

  /** Adds `bytes` at `offset`, streamed; the answer carries the attachment once the last byte arrived. No time limit: a large file takes what it takes. */
  appendUpload(token: string, id: string, offset: number, bytes: Blob, signal?: AbortSignal): Promise<UploadStatus> {
    return this.request("PATCH", uploadPath(id), {
      token,
      bytes,
      signal,
      headers: { "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
      answer: UploadStatus,
      timeoutMs: null,
    });
  }

  /** Cancels an unsent upload; the server removes its bytes. */
  async cancelUpload(token: string, id: string): Promise<void> {
    await this.request("DELETE", uploadPath(id), { token });
  }

  /** The answer to `GET /api/attachments/{id}` (its body the bytes, streamed), once it is a 2xx. */
  download(token: string, id: string): Promise<Response> {
    return this.fetch("GET", `/api/attachments/${encodeURIComponent(id)}`, { token, timeoutMs: null });
  }

  /** Whether the server accepts this token; unreachable servers throw. */
  async tokenIsValid(token: string): Promise<boolean> {
    try {
      await this.devices(token);
      return true;
    } catch (error) {
      if (error instanceof ChatError && error.code === "unauthorized") return false;
      throw error;
    }
  }

  private async request<T = undefined>(method: string, path: string, options: RequestOptions & { answer?: z.ZodType<T> }): Promise<T> {
    const response = await this.fetch(method, path, options);
    const text = await response.text().catch(() => "");
    if (!options.answer) return undefined as T;
    const parsed = options.answer.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new ChatError("internal", `The server sent an answer to ${method} ${path.split("?")[0]} that this client does not understand.`);
    }
    return parsed.data;
  }

  /** The server's answer when it is a 2xx; otherwise the error it carries, as a `ChatError`. */
  private async fetch(method: string, path: string, options: RequestOptions): Promise<Response> {
    // Without a token (a browser), the session cookie authenticates, and the CSRF header shows the request is the page's own.
    const headers: Record<string, string> = { "x-chat-csrf": "1", ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const timeoutMs = options.timeoutMs === undefined ? REQUEST_TIMEOUT_MS : options.timeoutMs;
    // `tls` is Bun's (a browser ignores it).
    const init: RequestInit & { tls?: TlsTrust } = {
      method,
      headers,
      body: options.bytes ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: timeoutMs === null ? options.signal : AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])]),
      tls: this.trust,
    };
    let response: Response;
    try {
      response = await fetch(`${this.server.http}${path}`, init);
    } catch (error) {
      throw new ServerUnreachableError(this.server.display, networkReason(error));
    }
    if (!response.ok) throw errorFromResponse(response.status, await response.text().catch(() => ""));
    return response;
  }
}

interface RequestOptions {
  /** A JSON body. */
  body?: unknown;
  /** A body of raw bytes. */
  bytes?: Blob;
  /** Cancels the request (an upload the user gave up). */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  token?: string;
  /** How long the request may take; null: as long as it takes (transfers). */
  timeoutMs?: number | null;
}

function uploadPath(id: string): string {
  return `/api/uploads/${encodeURIComponent(id)}`;
}

function groupPath(name: string): string {
  return `/api/groups/${encodeURIComponent(name)}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFromResponse(status: number, text: string): ChatError {
  const body = ErrorBody.safeParse(parseJson(text));
  if (body.success) return new ChatError(body.data.error.code, body.data.error.message, body.data.error.retryAfterMs);
  if (status === 401) return new ChatError("unauthorized", "The server did not accept this device's session.");
  if (status === 404) return new ChatError("not_found", "The server has nothing at that address; is it a chat server?");
  return new ChatError(status >= 500 ? "internal" : "bad_request", `The server answered with HTTP status ${status}.`);
}
