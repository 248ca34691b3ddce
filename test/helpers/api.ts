import { ErrorBody, type HistoryMessage, type HistoryPage } from "../../src/protocol/index.ts";

/** A small authenticated HTTP client for tests: JSON in, status and JSON out. */
export function apiAs(baseUrl: string, token: string) {
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body?: unknown) => call("POST", path, body),
    patch: (path: string, body?: unknown) => call("PATCH", path, body),
    delete: (path: string) => call("DELETE", path),
  };
}

/** The error code of an error answer. */
export function codeOf(answer: { body: unknown }): string {
  return ErrorBody.parse(answer.body).error.code;
}

/** The messages of a history page, without its notices. */
export function messagesIn(page: HistoryPage): HistoryMessage[] {
  return page.messages.filter((entry): entry is HistoryMessage => entry.type === "message");
}
