// XSRF tokens: Tornado's masked v2 token format and its decoding.

import { randomBytes } from "node:crypto";

/** A decoded XSRF token: its raw bytes, the format version and the timestamp (seconds). */
export interface XsrfToken {
  readonly version: 1 | 2;
  readonly token: Buffer;
  readonly timestamp: number;
}

/** XOR `data` with the 4-byte `mask` repeated (the WebSocket masking Tornado reuses). */
export function xorMask(mask: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ mask[i & 3];
  return out;
}

/** 16 fresh random bytes: the secret part of a new XSRF token. */
export function newXsrfTokenBytes(): Buffer {
  return randomBytes(16);
}

/**
 * Encode `token` as Tornado's v2 XSRF string `2|<mask hex>|<masked token hex>|<timestamp>`
 * with a fresh random 4-byte mask, so that the string differs on every page (BREACH defence)
 * while the token stays the same.
 */
export function encodeXsrfToken(
  token: Buffer,
  timestampSec: number,
  mask: Buffer = randomBytes(4),
): string {
  if (!Buffer.isBuffer(token) || token.length === 0)
    throw new TypeError("xsrf token must be a non-empty Buffer");
  if (!Buffer.isBuffer(mask) || mask.length !== 4)
    throw new TypeError("xsrf mask must be a 4-byte Buffer");
  return `2|${mask.toString("hex")}|${xorMask(mask, token).toString("hex")}|${Math.floor(timestampSec)}`;
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * Decode an XSRF cookie or form value: the v2 masked format, or a bare hex string (v1, with
 * the current time as timestamp). Returns null for anything else, never throws.
 */
export function decodeXsrfToken(
  value: string | null | undefined,
  nowSec = Date.now() / 1000,
): XsrfToken | null {
  if (typeof value !== "string" || value.length === 0) return null;
  const m = /^([1-9][0-9]*)\|/.exec(value);
  if (m !== null) {
    if (m[1] !== "2") return null;
    const parts = value.split("|");
    if (parts.length !== 4) return null;
    const [, maskHex, maskedHex, ts] = parts;
    if (
      maskHex.length !== 8 ||
      !HEX_RE.test(maskHex) ||
      !HEX_RE.test(maskedHex) ||
      !/^[0-9]+$/.test(ts)
    ) {
      return null;
    }
    return {
      version: 2,
      token: xorMask(Buffer.from(maskHex, "hex"), Buffer.from(maskedHex, "hex")),
      timestamp: Number(ts),
    };
  }
  const token = HEX_RE.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "utf8");
  return { version: 1, token, timestamp: Math.floor(nowSec) };
}
