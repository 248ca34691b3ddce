/** The server could not be reached at all (refused, DNS, timeout), as opposed to answering with an error. */
export class ServerUnreachableError extends Error {
  override readonly name = "ServerUnreachableError";
  constructor(
    readonly server: string,
    readonly reason: string,
  ) {
    super(`Cannot reach the chat server at ${server} (${reason}).`);
  }
}

/** Short reason for a failed network call, without the runtime's long wording. */
export function networkReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_NONAME") return "unknown host";
  if (code === "ETIMEDOUT" || (error as Error)?.name === "TimeoutError") return "timed out";
  if (code === "ECONNRESET") return "connection reset";
  return typeof code === "string" ? code : ((error as Error)?.message ?? "network error");
}
