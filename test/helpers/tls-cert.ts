import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SelfSignedCertificate {
  certPath: string;
  keyPath: string;
  /** The certificate in PEM, to trust as its own CA. */
  certPem: string;
  remove(): void;
}

/** A fresh self-signed certificate for 127.0.0.1 and localhost, made with openssl, valid for a day. */
export function selfSignedCertificate(): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), "chat-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const openssl = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (openssl.exitCode !== 0) throw new Error(`openssl could not make a certificate: ${openssl.stderr.toString()}`);
  return { certPath, keyPath, certPem: readFileSync(certPath, "utf8"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
