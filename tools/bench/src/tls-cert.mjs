// A throwaway self-signed certificate for 127.0.0.1, made with openssl in a temp dir.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Generates an EC P-256 key and a one-day self-signed certificate for 127.0.0.1 in a new temp
 * dir. Returns { key, cert, remove } (paths, and a function deleting the dir), or null with the
 * reason printed when openssl is missing or fails.
 */
export function makeSelfSignedCert() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "t-bench-tls-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `# HTTPS skipped: openssl could not make a certificate (${e.code === "ENOENT" ? "apt-get install openssl" : String(e.message).split("\n")[0]})`,
    );
    return null;
  }
  return { key, cert, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
