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

const UNTRUSTED = "to trust it, give the certificate of the authority that signed it with --ca FILE or CHAT_CA_FILE";
const UNKNOWN_AUTHORITY = `its certificate is signed by an authority this client does not trust; ${UNTRUSTED}`;

/** What went wrong in a TLS handshake, by the runtime's error code. */
const TLS_REASONS = new Map<unknown, string>([
  ["EPROTO", "the TLS handshake failed; does the server speak https on this port?"],
  ["DEPTH_ZERO_SELF_SIGNED_CERT", `its certificate is self-signed and not trusted; ${UNTRUSTED}`],
  ["SELF_SIGNED_CERT_IN_CHAIN", UNKNOWN_AUTHORITY],
  ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", UNKNOWN_AUTHORITY],
  ["UNABLE_TO_GET_ISSUER_CERT", UNKNOWN_AUTHORITY],
  ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", UNKNOWN_AUTHORITY],
  ["CERT_HAS_EXPIRED", "its certificate has expired"],
  ["CERT_NOT_YET_VALID", "its certificate is not valid yet"],
  ["ERR_TLS_CERT_ALTNAME_INVALID", "its certificate is for another host name"],
]);

/** Short reason for a failed network call, without the runtime's long wording. */
export function networkReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const tlsReason = TLS_REASONS.get(code);
  if (tlsReason) return tlsReason;
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_NONAME") return "unknown host";
  if (code === "ETIMEDOUT" || (error as Error)?.name === "TimeoutError") return "timed out";
  if (code === "ECONNRESET") return "connection reset";
  return typeof code === "string" ? code : ((error as Error)?.message ?? "network error");
}
