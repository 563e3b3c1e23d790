// Hello authentication: the server's challenge nonce and the client's HMAC-SHA256 answer to it.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { RpcAuthenticationError, type WireError } from "./errors.js";
import { HMAC_BYTES, NONCE_BYTES } from "./protocol.js";

/** A shared secret: a string (its UTF-8 bytes are the key) or bytes. */
export type Secret = string | Uint8Array;

/** Shortest secret accepted, in bytes (use 32 random bytes). */
export const MIN_SECRET_BYTES = 16;

/**
 * The key bytes of `value`; throws a TypeError unless it is a string or Uint8Array and a
 * RangeError when it is shorter than {@link MIN_SECRET_BYTES}.
 */
export function secretKey(value: unknown, name: string): Buffer {
  let key: Buffer;
  if (typeof value === "string") key = Buffer.from(value, "utf8");
  else if (value instanceof Uint8Array) key = Buffer.from(value);
  else throw new TypeError(`${name} must be a string or a Uint8Array, got ${typeof value}`);
  if (key.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `${name} must be at least ${MIN_SECRET_BYTES} bytes (use 32 random bytes), got ${key.length}`,
    );
  }
  return key;
}

/** A fresh random challenge nonce ({@link NONCE_BYTES} bytes). */
export function createNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** HMAC-SHA256(key, nonce ‖ UTF-8 clientId): what the client's second hello carries. */
export function helloMac(key: Uint8Array, nonce: Uint8Array, clientId: string): Buffer {
  return createHmac("sha256", key).update(nonce).update(clientId, "utf8").digest();
}

/** Whether `mac` is the hello MAC of `clientId` for `nonce` under `key` (constant-time compare). */
export function verifyHelloMac(
  key: Uint8Array,
  nonce: Uint8Array,
  clientId: string,
  mac: Uint8Array,
): boolean {
  if (mac.length !== HMAC_BYTES) return false;
  return timingSafeEqual(helloMac(key, nonce, clientId), mac);
}

/** The error reply that carries a challenge: `{ name, code: "T_ERR_RPC_AUTH", message, data: { nonce } }`. */
export function challengeError(nonce: Uint8Array): WireError {
  return {
    name: RpcAuthenticationError.name,
    code: "T_ERR_RPC_AUTH",
    message:
      "authentication required: resend the hello with hmac = HMAC-SHA256(secret, nonce ‖ clientId) (the client needs a secret)",
    data: { nonce },
  };
}

/** The nonce of a challenge error reply, or null if `error` is not one. */
export function challengeNonce(error: unknown): Uint8Array | null {
  if (error === null || typeof error !== "object") return null;
  const e = error as { code?: unknown; data?: unknown };
  if (e.code !== "T_ERR_RPC_AUTH" || e.data === null || typeof e.data !== "object") return null;
  const nonce = (e.data as { nonce?: unknown }).nonce;
  return nonce instanceof Uint8Array && nonce.length === NONCE_BYTES ? nonce : null;
}
