// TLS material for the tests: the shared test CA and localhost certificate (tools/testing), and a
// client CA with a client certificate made here with openssl for mutual TLS.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { tlsFixtures } from "@t-tools/testing";

/** True when the openssl command line tool is installed. */
export function haveOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** How to get openssl where it is missing (the tests that need it say so when they skip). */
export const OPENSSL_HINT = "mutual TLS tests need openssl: apt-get install -y openssl";

/** A throwaway client CA and a client certificate it signed (CN "test client"), as PEM. */
export function makeClientCertificate(): { ca: Buffer; cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "httpclient-certs-"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    run([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca-key.pem",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=httpclient test client CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
    ]);
    run([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "client-key.pem",
      "-out",
      "client.csr",
      "-subj",
      "/CN=test client",
    ]);
    writeFileSync(join(dir, "ext.cnf"), "extendedKeyUsage=clientAuth\n");
    run([
      "x509",
      "-req",
      "-in",
      "client.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      "client.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    return {
      ca: readFileSync(join(dir, "ca.pem")),
      cert: readFileSync(join(dir, "client.pem")),
      key: readFileSync(join(dir, "client-key.pem")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
