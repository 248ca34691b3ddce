import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { getCACertificates } from "node:tls";

import type { TlsTrust } from "./tls-trust.ts";

export type { TlsTrust } from "./tls-trust.ts";

export class TrustFileError extends Error {
  override readonly name = "TrustFileError";
}

/**
 * Trusts the certificate authority in a PEM file as well as the usual ones. Bun's `ca` option replaces
 * its default trust store (bundled roots, the system's certificates, NODE_EXTRA_CA_CERTS) instead of
 * adding to it, so those are listed again.
 */
export function trustCertificateFile(path: string): TlsTrust {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw new TrustFileError(`Cannot read the CA certificate file ${path} (${fileProblem(error)}).`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new TrustFileError(`The file ${path} holds no PEM certificate (a block starting with -----BEGIN CERTIFICATE-----).`);
  }
  return { ca: [...new Set([...getCACertificates("default"), ...getCACertificates("system"), pem])] };
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return code ?? (error as Error).message;
}
