// The opening handshake of RFC 6455 §4: keys, the accept hash, and checks of both sides' headers.

import { createHash, randomBytes } from "node:crypto";
import { isToken } from "@t/httpserver";

/** The GUID that RFC 6455 §1.3 appends to the key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** The only protocol version this implementation speaks. */
export const WS_VERSION = "13";

const KEY_RE = /^[A-Za-z0-9+/]{22}==$/;

/** Anything that looks up a header value by case-insensitive name (HTTPHeaders does). */
export interface HeaderSource {
  get(name: string): string | undefined;
}

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)). */
export function computeAcceptKey(key: string): string {
  return createHash("sha1")
    .update(key + WS_GUID, "latin1")
    .digest("base64");
}

/** A fresh `Sec-WebSocket-Key`: 16 random bytes in base64. */
export function generateKey(): string {
  return randomBytes(16).toString("base64");
}

/** True when `key` is the base64 encoding of exactly 16 bytes. */
export function isValidKey(key: string | undefined): boolean {
  return key !== undefined && KEY_RE.test(key.trim());
}

/** The comma-separated tokens of a header value, trimmed, empty elements dropped. */
export function tokenList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.trim();
    if (t !== "") out.push(t);
  }
  return out;
}

/** True when the comma-separated header value contains `token` (case-insensitive). */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const want = token.toLowerCase();
  for (const t of tokenList(value)) if (t.toLowerCase() === want) return true;
  return false;
}

/** The subprotocols a client offered in `Sec-WebSocket-Protocol`, or null if the list is malformed. */
export function parseSubprotocols(value: string | undefined): string[] | null {
  const list = tokenList(value);
  for (const p of list) if (!isToken(p)) return null;
  if (new Set(list).size !== list.length) return null;
  return list;
}

/** Why an upgrade request is refused: the HTTP status, a message and extra response headers. */
export interface HandshakeRejection {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Check a client's upgrade request (method and headers) per RFC 6455 §4.2.1. Returns null when
 * it is acceptable, else the answer to send: 400 for a malformed request, 426 with
 * `Sec-WebSocket-Version: 13` for another protocol version.
 */
export function checkUpgradeRequest(
  method: string,
  headers: HeaderSource,
): HandshakeRejection | null {
  if (method !== "GET") {
    return { status: 405, message: "WebSocket upgrade requires GET", headers: { Allow: "GET" } };
  }
  if (!hasToken(headers.get("Upgrade"), "websocket")) {
    return { status: 400, message: 'Can "Upgrade" only to "WebSocket".' };
  }
  if (!hasToken(headers.get("Connection"), "upgrade")) {
    return { status: 400, message: '"Connection" must be "Upgrade".' };
  }
  const version = headers.get("Sec-WebSocket-Version");
  if (version === undefined || version.trim() !== WS_VERSION) {
    return {
      status: 426,
      message: "Unsupported WebSocket version (expected 13).",
      headers: { "Sec-WebSocket-Version": WS_VERSION },
    };
  }
  if (!isValidKey(headers.get("Sec-WebSocket-Key"))) {
    return { status: 400, message: "Missing or invalid Sec-WebSocket-Key." };
  }
  if (parseSubprotocols(headers.get("Sec-WebSocket-Protocol")) === null) {
    return { status: 400, message: "Malformed Sec-WebSocket-Protocol." };
  }
  return null;
}

/**
 * Check the server's answer to our upgrade request per RFC 6455 §4.1. Returns null when it is
 * acceptable, else a description of what is wrong. `offered` are the subprotocols we offered.
 */
export function checkUpgradeResponse(
  status: number,
  headers: HeaderSource,
  key: string,
  offered: readonly string[],
): string | null {
  if (status !== 101) return `expected status 101, got ${status}`;
  if (!hasToken(headers.get("Upgrade"), "websocket")) return 'missing "Upgrade: websocket"';
  if (!hasToken(headers.get("Connection"), "upgrade")) return 'missing "Connection: Upgrade"';
  const accept = headers.get("Sec-WebSocket-Accept");
  if (accept === undefined || accept.trim() !== computeAcceptKey(key)) {
    return "Sec-WebSocket-Accept does not match the key";
  }
  const protocol = headers.get("Sec-WebSocket-Protocol");
  if (protocol !== undefined && !offered.includes(protocol.trim())) {
    return `server selected subprotocol ${JSON.stringify(protocol)} that was not offered`;
  }
  return null;
}
