// Test-only TLS material: a throwaway CA and a localhost server certificate (fixtures/README.md).

import { readFileSync } from "node:fs";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** PEM buffers: `ca` signs `cert` (CN localhost, SAN localhost, 127.0.0.1, ::1); `key` is its key. */
export const tlsFixtures = {
  ca: fixture("ca-cert.pem"),
  cert: fixture("server-cert.pem"),
  key: fixture("server-key.pem"),
};
