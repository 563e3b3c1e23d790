// Interned latin1 strings for the request parser: header names, common values and paths.

import type { Latin1Buffer } from "./latin1.js";

/** Longest name, and longest value, looked up in a cache (longer ones are always decoded). */
const MAX_NAME = 64;
const MAX_VALUE = 64;
const NAME_SLOTS = 256;
const VALUE_SLOTS = 512;

/** What the connection needs to know about a header field name (from `nameKind`). */
export const FIELD_OTHER = 0;
export const FIELD_HOST = 1;
export const FIELD_EXPECT = 2;
export const FIELD_CONNECTION = 3;
export const FIELD_CONTENT_LENGTH = 4;
export const FIELD_CONTENT_ENCODING = 5;
export const FIELD_TRANSFER_ENCODING = 6;

const KINDS = new Map<string, number>([
  ["host", FIELD_HOST],
  ["expect", FIELD_EXPECT],
  ["connection", FIELD_CONNECTION],
  ["content-length", FIELD_CONTENT_LENGTH],
  ["content-encoding", FIELD_CONTENT_ENCODING],
  ["transfer-encoding", FIELD_TRANSFER_ENCODING],
]);

/**
 * Fields whose values repeat from request to request and are not secrets: their values are
 * interned (credentials, cookies and other per-user values are never kept here).
 */
const SHARED_VALUES = new Set([
  "host",
  "user-agent",
  "accept",
  "accept-encoding",
  "accept-language",
  "connection",
  "content-type",
  "cache-control",
  "pragma",
  "upgrade",
  "upgrade-insecure-requests",
  "te",
  "dnt",
  "origin",
  "sec-fetch-dest",
  "sec-fetch-mode",
  "sec-fetch-site",
  "sec-fetch-user",
  "sec-ch-ua",
  "sec-ch-ua-mobile",
  "sec-ch-ua-platform",
  "sec-websocket-version",
  "x-requested-with",
  "x-forwarded-proto",
  "x-scheme",
]);

// Each table keeps its strings and, for fast comparison, their bytes: slot h's bytes are at
// `h * MAX_…` in the arena and its length in `…Lengths[h]` (0: empty slot).
const nameStrings: string[] = new Array(NAME_SLOTS).fill("");
const nameBytes = new Uint8Array(NAME_SLOTS * MAX_NAME);
const nameLengths = new Uint16Array(NAME_SLOTS);
const nameKinds = new Uint8Array(NAME_SLOTS);
const nameShared = new Uint8Array(NAME_SLOTS);
const valueStrings: string[] = new Array(VALUE_SLOTS).fill("");
const valueBytes = new Uint8Array(VALUE_SLOTS * MAX_VALUE);
const valueLengths = new Uint16Array(VALUE_SLOTS);

/** Slot of `buf[start, end)` (length ≥ 2) in a table of `mask + 1` slots. */
function slotOf(buf: Buffer, start: number, end: number, mask: number): number {
  const len = end - start;
  return (
    (len * 31 + buf[start] * 7 + buf[start + (len >> 1)] * 3 + buf[end - 1] * 11 + buf[end - 2]) &
    mask
  );
}

/** True when slot `h` of a table holds exactly the bytes `buf[start, end)`. */
function sameBytes(
  bytes: Uint8Array,
  lengths: Uint16Array,
  stride: number,
  h: number,
  buf: Buffer,
  start: number,
  end: number,
): boolean {
  const len = end - start;
  if (lengths[h] !== len) return false;
  const base = h * stride - start;
  for (let k = start; k < end; k++) if (bytes[base + k] !== buf[k]) return false;
  return true;
}

/** Remember `buf[start, end)` as the bytes of slot `h`. */
function store(
  bytes: Uint8Array,
  lengths: Uint16Array,
  stride: number,
  h: number,
  buf: Buffer,
  start: number,
  end: number,
): void {
  const base = h * stride - start;
  for (let k = start; k < end; k++) bytes[base + k] = buf[k];
  lengths[h] = end - start;
}

/**
 * The parser's view of one header field name: `name` (an interned string when the bytes were
 * seen before), `kind` (FIELD_*) and whether values of this field are interned. Reused.
 */
export class FieldName {
  name = "";
  kind = FIELD_OTHER;
  shared = false;
}

/** Decode the field name `buf[start, end)` (a validated token) into `out`. */
export function lookupName(buf: Buffer, start: number, end: number, out: FieldName): void {
  const len = end - start;
  if (len > MAX_NAME || len < 2) {
    const name = (buf as Latin1Buffer).latin1Slice(start, end);
    const lower = name.toLowerCase();
    out.name = name;
    out.kind = KINDS.get(lower) ?? FIELD_OTHER;
    out.shared = SHARED_VALUES.has(lower);
    return;
  }
  const h = slotOf(buf, start, end, NAME_SLOTS - 1);
  if (sameBytes(nameBytes, nameLengths, MAX_NAME, h, buf, start, end)) {
    out.name = nameStrings[h];
    out.kind = nameKinds[h];
    out.shared = nameShared[h] === 1;
    return;
  }
  const name = (buf as Latin1Buffer).latin1Slice(start, end);
  const lower = name.toLowerCase();
  const kind = KINDS.get(lower) ?? FIELD_OTHER;
  const shared = SHARED_VALUES.has(lower);
  nameStrings[h] = name;
  store(nameBytes, nameLengths, MAX_NAME, h, buf, start, end);
  nameKinds[h] = kind;
  nameShared[h] = shared ? 1 : 0;
  out.name = name;
  out.kind = kind;
  out.shared = shared;
}

/**
 * Decode `buf[start, end)` as latin1, returning an interned string when the same bytes were
 * seen before. With `keep`, a newly decoded string is remembered for next time.
 */
export function internLatin1(buf: Buffer, start: number, end: number, keep: boolean): string {
  const len = end - start;
  if (len > MAX_VALUE || len < 2) {
    return len === 0 ? "" : (buf as Latin1Buffer).latin1Slice(start, end);
  }
  const h = slotOf(buf, start, end, VALUE_SLOTS - 1);
  if (sameBytes(valueBytes, valueLengths, MAX_VALUE, h, buf, start, end)) return valueStrings[h];
  const v = (buf as Latin1Buffer).latin1Slice(start, end);
  if (keep) {
    valueStrings[h] = v;
    store(valueBytes, valueLengths, MAX_VALUE, h, buf, start, end);
  }
  return v;
}

/** Decode a request-target; paths without a query are interned. */
export function internTarget(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 1 && buf[start] === 0x2f) return "/";
  if (len > MAX_VALUE || len < 2) return (buf as Latin1Buffer).latin1Slice(start, end);
  const h = slotOf(buf, start, end, VALUE_SLOTS - 1);
  if (sameBytes(valueBytes, valueLengths, MAX_VALUE, h, buf, start, end)) return valueStrings[h];
  const v = (buf as Latin1Buffer).latin1Slice(start, end);
  if (v.indexOf("?") === -1) {
    valueStrings[h] = v;
    store(valueBytes, valueLengths, MAX_VALUE, h, buf, start, end);
  }
  return v;
}
