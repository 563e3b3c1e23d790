// The byte-level parser of a request head (request line + header fields), strict per RFC 9112.

import { FIELD_VALUE, TARGET, TCHAR } from "./char-classes.js";
import { HTTPInputError } from "./errors.js";
import type { Latin1Buffer } from "./latin1.js";
import {
  FIELD_CONNECTION,
  FIELD_CONTENT_ENCODING,
  FIELD_CONTENT_LENGTH,
  FIELD_EXPECT,
  FIELD_HOST,
  FIELD_TRANSFER_ENCODING,
  FieldName,
  internLatin1,
  internTarget,
  lookupName,
} from "./string-cache.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** What the parser learned from one request head; one instance per connection, reused. */
export class ParsedHead {
  method = "";
  /** The request-target as sent. */
  uri = "";
  /** "HTTP/1.1" or "HTTP/1.0". */
  version = "";
  /** True for HTTP/1.1. */
  http11 = false;
  /** Header fields as a flat `[name, value, …]` array (a fresh array per request). */
  raw: string[] = [];
  /** Content-Length, or -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding: chunked was present. */
  chunked = false;
  /** Connection: close was present. */
  connectionClose = false;
  /** Connection: keep-alive was present. */
  connectionKeepAlive = false;
  /** Connection: upgrade was present (with an Upgrade header field). */
  upgrade = false;
  /** Expect: 100-continue was present. */
  expectContinue = false;
  /** Content-Encoding: gzip (or x-gzip) was present. */
  gzip = false;
  /** The Host field value ("" when absent). */
  host = "";
}

function eqLower(buf: Buffer, pos: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    if ((buf[pos + k] | 0x20) !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/** Intern the common methods so that no string is decoded for them. */
function methodOf(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  const c0 = buf[start];
  if (len === 3) {
    if (c0 === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return "GET";
    if (c0 === 0x50 && buf[start + 1] === 0x55 && buf[start + 2] === 0x54) return "PUT";
  } else if (len === 4) {
    if (
      c0 === 0x50 &&
      buf[start + 1] === 0x4f &&
      buf[start + 2] === 0x53 &&
      buf[start + 3] === 0x54
    )
      return "POST";
    if (
      c0 === 0x48 &&
      buf[start + 1] === 0x45 &&
      buf[start + 2] === 0x41 &&
      buf[start + 3] === 0x44
    )
      return "HEAD";
  }
  return (buf as Latin1Buffer).latin1Slice(start, end);
}

/**
 * Parse the head `buf[start, end)`, which ends with the empty line (CRLF CRLF), into `head`.
 * Throws HTTPInputError (statusCode 400, or 505 for an unsupported version) on anything
 * malformed or ambiguous: bad method token or request-target, a version other than HTTP/1.0 or
 * HTTP/1.1, bare CR or LF, obs-fold, whitespace before the colon, invalid name or value bytes,
 * Content-Length repeated or not a number, Transfer-Encoding other than exactly `chunked`,
 * both framings at once, Transfer-Encoding on HTTP/1.0, a missing or repeated Host on HTTP/1.1.
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, head: ParsedHead): void {
  let i = start;
  // ---- request line: method SP request-target SP HTTP-version CRLF
  while (TCHAR[buf[i]] === 1) i++;
  if (i === start || buf[i] !== SP) throw new HTTPInputError("Malformed HTTP method");
  head.method = methodOf(buf, start, i);
  const t0 = ++i;
  while (TARGET[buf[i]] === 1) i++;
  if (i === t0 || buf[i] !== SP) throw new HTTPInputError("Malformed request-target");
  const c0 = buf[t0];
  if (c0 !== 0x2f && !(c0 === 0x2a && i === t0 + 1) && !isAbsoluteOrAuthority(buf, t0, i)) {
    throw new HTTPInputError("Malformed request-target");
  }
  // Absolute-form (RFC 9112 §3.2.2): the path and query become the target and the authority
  // replaces Host (below); authority-form only with CONNECT, asterisk-form only with OPTIONS.
  let authority: string | null = null;
  if (c0 === 0x2f) {
    head.uri = internTarget(buf, t0, i);
  } else if (c0 === 0x2a) {
    if (head.method !== "OPTIONS") throw new HTTPInputError("Asterisk-form target without OPTIONS");
    head.uri = "*";
  } else {
    const target = (buf as Latin1Buffer).latin1Slice(t0, i);
    const m = ABSOLUTE_FORM.exec(target);
    if (m !== null) {
      authority = m[1];
      if (!AUTHORITY.test(authority)) {
        throw new HTTPInputError("Invalid authority in absolute-form request-target");
      }
      const rest = m[2];
      head.uri = rest.length === 0 ? "/" : rest.charCodeAt(0) === 0x3f ? `/${rest}` : rest;
    } else if (head.method === "CONNECT") {
      head.uri = target;
    } else {
      throw new HTTPInputError("Unsupported request-target form");
    }
  }
  i++;
  if (
    buf[i] !== 0x48 ||
    buf[i + 1] !== 0x54 ||
    buf[i + 2] !== 0x54 ||
    buf[i + 3] !== 0x50 ||
    buf[i + 4] !== 0x2f ||
    buf[i + 6] !== 0x2e ||
    buf[i + 8] !== CR ||
    buf[i + 9] !== LF
  ) {
    throw new HTTPInputError("Malformed HTTP version in HTTP Request-Line");
  }
  const major = buf[i + 5] - 0x30;
  const minor = buf[i + 7] - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) {
    throw new HTTPInputError("Malformed HTTP version in HTTP Request-Line");
  }
  if (major !== 1) {
    throw new HTTPInputError(`HTTP version ${major}.${minor} not supported`, 505);
  }
  // A higher minor version of HTTP/1 is handled as HTTP/1.1 (RFC 9110 §2.5).
  head.http11 = minor >= 1;
  head.version = minor >= 1 ? "HTTP/1.1" : "HTTP/1.0";
  i += 10;

  // ---- header fields
  const raw: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let teSeen = false;
  let connClose = false;
  let connKeepAlive = false;
  let connUpgrade = false;
  let expectContinue = false;
  let gzip = false;
  let host = "";
  let hostCount = 0;
  for (;;) {
    const n0 = i;
    let c = buf[i];
    if (c === CR) {
      if (buf[i + 1] !== LF || i + 2 !== end) throw new HTTPInputError("Bare CR in header block");
      break;
    }
    if (c === SP || c === HT)
      throw new HTTPInputError("Obsolete line folding or leading whitespace");
    while (TCHAR[buf[i]] === 1) i++;
    if (i === n0 || buf[i] !== COLON) {
      throw new HTTPInputError("Malformed header line (bad name or whitespace before the colon)");
    }
    const nameLen = i - n0;
    i++;
    c = buf[i];
    while (c === SP || c === HT) c = buf[++i];
    const v0 = i;
    // One table lookup per byte; the head ends with CRLF CRLF, so this stops within it.
    while (FIELD_VALUE[buf[i]] === 1) i++;
    if (buf[i] !== CR) throw new HTTPInputError("Invalid byte in header value");
    if (buf[i + 1] !== LF) throw new HTTPInputError("Bare CR in header value");
    let v1 = i;
    while (v1 > v0 && (buf[v1 - 1] === SP || buf[v1 - 1] === HT)) v1--;
    i += 2;
    const field = fieldName;
    lookupName(buf, n0, n0 + nameLen, field);
    const value = v1 > v0 ? internLatin1(buf, v0, v1, field.shared) : "";
    raw.push(field.name, value);
    // Fields the connection itself needs, recognised when the name was looked up.
    switch (field.kind) {
      case FIELD_HOST:
        host = value;
        hostCount++;
        break;
      case FIELD_EXPECT:
        if (value.toLowerCase() !== "100-continue") {
          throw new HTTPInputError(`Unsupported expectation: ${value}`, 417);
        }
        expectContinue = true;
        break;
      case FIELD_CONNECTION: {
        const tokens = value.toLowerCase();
        if (tokens === "keep-alive") connKeepAlive = true;
        else if (tokens === "close") connClose = true;
        else {
          for (const t of tokens.split(",")) {
            const tok = t.trim();
            if (tok === "close") connClose = true;
            else if (tok === "keep-alive") connKeepAlive = true;
            else if (tok === "upgrade") connUpgrade = true;
          }
        }
        break;
      }
      case FIELD_CONTENT_LENGTH:
        if (contentLength !== -1) throw new HTTPInputError("Duplicate Content-Length");
        contentLength = parseDecimal(buf, v0, v1);
        break;
      case FIELD_CONTENT_ENCODING: {
        const enc = value.toLowerCase();
        if (enc === "gzip" || enc === "x-gzip") gzip = true;
        break;
      }
      case FIELD_TRANSFER_ENCODING:
        if (teSeen) throw new HTTPInputError("Duplicate Transfer-Encoding");
        teSeen = true;
        if (v1 - v0 !== 7 || !eqLower(buf, v0, "chunked")) {
          throw new HTTPInputError(`Unsupported Transfer-Encoding: ${value}`);
        }
        chunked = true;
        break;
    }
  }
  if (chunked && contentLength !== -1) {
    throw new HTTPInputError("Message with both Transfer-Encoding and Content-Length");
  }
  if (teSeen && !head.http11) throw new HTTPInputError("Transfer-Encoding in an HTTP/1.0 request");
  if (hostCount > 1) throw new HTTPInputError("Duplicate Host header");
  if (hostCount === 0 && head.http11) throw new HTTPInputError("Missing Host header");
  if (authority !== null) {
    // RFC 9112 §3.2.2: the target's authority wins over the Host field.
    host = authority;
    for (let k = 0; k < raw.length; k += 2) {
      if (raw[k].length === 4 && raw[k].toLowerCase() === "host") raw[k + 1] = authority;
    }
    if (hostCount === 0) raw.push("Host", authority);
  }
  head.raw = raw;
  head.contentLength = contentLength;
  head.chunked = chunked;
  head.connectionClose = connClose;
  head.connectionKeepAlive = connKeepAlive;
  head.upgrade = connUpgrade;
  head.expectContinue = expectContinue;
  head.gzip = gzip;
  head.host = host;
}

/** 1*DIGIT, at most 15 digits (a safe integer); anything else throws. */
function parseDecimal(buf: Buffer, a: number, b: number): number {
  if (b === a || b - a > 15) throw new HTTPInputError("Invalid Content-Length");
  let v = 0;
  for (let k = a; k < b; k++) {
    const d = buf[k] - 0x30;
    if (d < 0 || d > 9) throw new HTTPInputError("Invalid Content-Length");
    v = v * 10 + d;
  }
  return v;
}

/**
 * The authority of an absolute-form target, which replaces Host: `host[:port]` with host an
 * IP literal in brackets or a reg-name/IPv4 (RFC 3986 §3.2.2); no userinfo, nothing empty.
 */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?$/;

/** `http://authority[/path][?query]` (scheme case-insensitive): [authority, path-and-query]. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/i;

/** absolute-form (`scheme://…`) or authority-form (`host:port`, for CONNECT). */
function isAbsoluteOrAuthority(buf: Buffer, a: number, b: number): boolean {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ":"
  let k = a;
  const first = buf[k] | 0x20;
  if (first < 0x61 || first > 0x7a) return false;
  while (k < b) {
    const c = buf[k];
    if (c === COLON) return k > a;
    const l = c | 0x20;
    if (
      !(
        (l >= 0x61 && l <= 0x7a) ||
        (c >= 0x30 && c <= 0x39) ||
        c === 0x2b ||
        c === 0x2d ||
        c === 0x2e
      )
    ) {
      return false;
    }
    k++;
  }
  return false;
}

const fieldName = new FieldName();

/**
 * Find the end of a request head in `buf[from, end)`: the index just past CRLF CRLF, or -1.
 * `from` is where the previous unsuccessful search may resume (the caller backs off 3 bytes).
 */
export function findHeadEnd(buf: Buffer, from: number, end: number): number {
  // Search only the live bytes (the buffer may hold stale bytes past `end`). Look at the last
  // byte of each 4-byte window: unless it is CR or LF, no match can end within the next 4 bytes.
  let k = from + 3;
  while (k < end) {
    const c = buf[k];
    if (c === LF) {
      if (buf[k - 1] === CR && buf[k - 2] === LF && buf[k - 3] === CR) return k + 1;
      k += 2;
    } else if (c === CR) {
      k += 1;
    } else {
      k += 4;
    }
  }
  return -1;
}

/**
 * How many leading bytes of an incomplete head {@link hasBadMethodPrefix} looks at. Every read
 * of an incomplete head calls it, so its cost must not grow with the head: a method token sent
 * one byte per read would otherwise be rescanned from its start each time (quadratic). Real
 * methods are short; a longer token is judged by the full parser once the head is complete.
 */
export const METHOD_PREFIX_SCAN = 32;

/**
 * In an incomplete head, a method that is not a token (e.g. a TLS ClientHello sent to a plain
 * port) can never become valid: true when the first {@link METHOD_PREFIX_SCAN} bytes of
 * `buf[start, end)` do not begin like `token SP`. Constant work per call.
 */
export function hasBadMethodPrefix(buf: Buffer, start: number, end: number): boolean {
  const stop = end - start > METHOD_PREFIX_SCAN ? start + METHOD_PREFIX_SCAN : end;
  let k = start;
  while (k < stop && TCHAR[buf[k]] === 1) k++;
  return k < stop && (k === start || buf[k] !== SP);
}

/**
 * In an incomplete head, a LF not preceded by CR (or a CR followed by something other than LF)
 * can never become valid: report it at once rather than waiting for the header timeout.
 * Checks `buf[from, end)`; `start` is where the head begins.
 */
export function hasBareLineBreak(buf: Buffer, start: number, from: number, end: number): boolean {
  for (let k = from; k < end; k++) {
    const c = buf[k];
    if (c === LF) {
      if (k === start || buf[k - 1] !== CR) return true;
    } else if (c === CR) {
      if (k + 1 < end && buf[k + 1] !== LF) return true;
    }
  }
  return false;
}
