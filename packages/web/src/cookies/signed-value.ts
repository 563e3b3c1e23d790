// Signed values (Tornado's create_signed_value/decode_signed_value, format version 2, HMAC-SHA256).

import { createHmac } from "node:crypto";
import { constantTimeEqual } from "../constant-time.js";

/** A secret, or secrets by key version for rotation (`{ 1: "old", 2: "new" }`). */
export type CookieSecret = string | Readonly<Record<number, string>>;

/** Options of `createSignedValue`. */
export interface CreateSignedValueOptions {
  /** Which key of a secrets map signs (required when `secret` is a map). */
  keyVersion?: number;
  /** Clock in seconds since the epoch (default: `Date.now() / 1000`). */
  clock?: () => number;
}

/** Options of `decodeSignedValue`. */
export interface DecodeSignedValueOptions {
  /** Values signed more than this many days ago are rejected (default 31). */
  maxAgeDays?: number;
  /** Clock in seconds since the epoch (default: `Date.now() / 1000`). */
  clock?: () => number;
}

const defaultClock = (): number => Date.now() / 1000;

function field(s: string): string {
  return `${Buffer.byteLength(s, "latin1")}:${s}|`;
}

function sign(secret: string, data: string): string {
  return createHmac("sha256", secret).update(data, "latin1").digest("hex");
}

function checkSecret(secret: CookieSecret): void {
  if (typeof secret === "string") {
    if (secret.length === 0) throw new TypeError("cookie secret must be a non-empty string");
    return;
  }
  if (secret === null || typeof secret !== "object") {
    throw new TypeError("cookie secret must be a string or a { keyVersion: secret } object");
  }
}

/**
 * Sign `value` under `name` (Tornado's signed value v2):
 * `2|1:<keyVersion>|<n>:<timestamp>|<n>:<name>|<n>:<base64 value>|<hmac-sha256 hex>`,
 * each field prefixed by its length. The result is ASCII and cookie-safe once quoted.
 */
export function createSignedValue(
  secret: CookieSecret,
  name: string,
  value: string | Buffer,
  options: CreateSignedValueOptions = {},
): string {
  checkSecret(secret);
  if (typeof name !== "string") throw new TypeError("signed value name must be a string");
  if (typeof value !== "string" && !Buffer.isBuffer(value)) {
    throw new TypeError("signed value must be a string or a Buffer");
  }
  const clock = options.clock ?? defaultClock;
  let key: string;
  let keyVersion = 0;
  if (typeof secret === "string") {
    key = secret;
  } else {
    if (options.keyVersion === undefined) {
      throw new TypeError("keyVersion is required when the cookie secret is a map of versions");
    }
    keyVersion = options.keyVersion;
    const k = secret[keyVersion];
    if (typeof k !== "string" || k.length === 0) {
      throw new RangeError(`no cookie secret for key version ${keyVersion}`);
    }
    key = k;
  }
  const b64 = (typeof value === "string" ? Buffer.from(value, "utf8") : value).toString("base64");
  const timestamp = String(Math.floor(clock()));
  const toSign = `2|${field(String(keyVersion))}${field(timestamp)}${field(
    Buffer.from(name, "utf8").toString("latin1"),
  )}${field(b64)}`;
  return toSign + sign(key, toSign);
}

/** The fields of a v2 signed value, or null when it is malformed. */
interface V2Fields {
  keyVersion: number;
  timestamp: string;
  name: string;
  value: string;
  signature: string;
  signed: string;
}

function decodeFieldsV2(s: string): V2Fields | null {
  let pos = 2;
  const out: string[] = [];
  for (let f = 0; f < 4; f++) {
    const colon = s.indexOf(":", pos);
    if (colon === -1 || colon === pos || colon - pos > 6) return null;
    const lenStr = s.slice(pos, colon);
    if (!/^[0-9]+$/.test(lenStr)) return null;
    const n = Number(lenStr);
    const start = colon + 1;
    if (s.charCodeAt(start + n) !== 0x7c) return null;
    out.push(s.slice(start, start + n));
    pos = start + n + 1;
  }
  if (!/^[0-9]+$/.test(out[0]) || !/^[0-9]+$/.test(out[1])) return null;
  return {
    keyVersion: Number(out[0]),
    timestamp: out[1],
    name: out[2],
    value: out[3],
    signature: s.slice(pos),
    signed: s.slice(0, pos),
  };
}

/** The version of a signed value's format, or 0 when it has none (Tornado's unversioned v1). */
export function signedValueVersion(value: string): number {
  const m = /^([1-9][0-9]{0,2})\|/.exec(value);
  return m === null ? 0 : Number(m[1]);
}

/**
 * Verify and decode a value made by `createSignedValue` for the same `name`. Returns the original
 * bytes, or null when the value is malformed, of another version, signed with an unknown key
 * version, tampered with (compared in constant time), signed for another name, or older than
 * `maxAgeDays`.
 */
export function decodeSignedValue(
  secret: CookieSecret,
  name: string,
  value: string | null | undefined,
  options: DecodeSignedValueOptions = {},
): Buffer | null {
  checkSecret(secret);
  if (value === null || value === undefined || typeof value !== "string") return null;
  if (signedValueVersion(value) !== 2) return null;
  const f = decodeFieldsV2(value);
  if (f === null) return null;
  let key: string | undefined;
  if (typeof secret === "string") key = secret;
  else key = Object.hasOwn(secret, f.keyVersion) ? secret[f.keyVersion] : undefined;
  if (typeof key !== "string") return null;
  if (!constantTimeEqual(f.signature, sign(key, f.signed))) return null;
  if (f.name !== Buffer.from(name, "utf8").toString("latin1")) return null;
  const clock = options.clock ?? defaultClock;
  const maxAgeDays = options.maxAgeDays ?? 31;
  if (Number(f.timestamp) < clock() - maxAgeDays * 86400) return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(f.value)) return null;
  return Buffer.from(f.value, "base64");
}

/** The key version a v2 signed value claims (without verifying it), or null when malformed. */
export function getSignatureKeyVersion(value: string): number | null {
  if (signedValueVersion(value) !== 2) return null;
  const f = decodeFieldsV2(value);
  return f === null ? null : f.keyVersion;
}
