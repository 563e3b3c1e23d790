// Parsing a response head and deciding its body framing (RFC 9112 §4, §6.3), with httpserver's parsers.

import { HTTPHeaders, latin1, parseResponseStartLine } from "@t/httpserver";
import { HTTPMalformedResponseError } from "./errors.js";

/** How the body of a response is delimited (RFC 9112 §6.3). */
export enum BodyFraming {
  /** No body: HEAD, 1xx, 204, 304, or Content-Length: 0. */
  None = 0,
  /** Content-Length bytes. */
  Length = 1,
  /** Transfer-Encoding: chunked. */
  Chunked = 2,
  /** Until the server closes the connection. */
  Close = 3,
}

/** A parsed response head. */
export interface ResponseHead {
  version: string;
  code: number;
  reason: string;
  headers: HTTPHeaders;
  framing: BodyFraming;
  /** The Content-Length (framing Length), else -1. */
  contentLength: number;
  /** The connection may carry another request after this response. */
  keepAlive: boolean;
}

/**
 * Parse the head `buf[start, end)` (ending with CRLF CRLF) of a response to a `method` request.
 * The status is three digits, 100..999 (600..999 are taken as server errors, RFC 9110 §15); a
 * status line without the SP before an empty reason is accepted. Throws
 * HTTPMalformedResponseError for a bad status line or field (httpserver's strict
 * `parseResponseStartLine` and `HTTPHeaders.parse`: no obs-fold, no bare CR/LF, no whitespace
 * before the colon), for conflicting Content-Length values, for Transfer-Encoding together with
 * Content-Length, for a Transfer-Encoding other than `chunked`, or for one in an HTTP/1.0
 * response.
 */
export function parseResponseHead(
  buf: Buffer,
  start: number,
  end: number,
  method: string,
): ResponseHead {
  const text = latin1(buf, start, end - 2);
  const eol = text.indexOf("\r\n");
  let version: string;
  let code: number;
  let reason: string;
  let headers: HTTPHeaders;
  try {
    const first = text.slice(0, eol);
    // `HTTP/1.1 200` without the SP before an empty reason: servers send it, browsers,
    // curl and undici accept it (RFC 9112 §4 requires the SP).
    const line = parseResponseStartLine(first.length === 12 ? `${first} ` : first);
    version = line.version;
    code = line.code;
    reason = line.reason;
    headers = HTTPHeaders.parse(text.slice(eol + 2));
  } catch (err) {
    throw new HTTPMalformedResponseError(`malformed response head: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (code < 100) throw new HTTPMalformedResponseError(`invalid status code ${code}`);
  const http11 = version !== "HTTP/1.0";
  let contentLength = -1;
  let te: string | undefined;
  let connection: string | undefined;
  const raw = headers.raw;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 14 && name.toLowerCase() === "content-length") {
      const v = parseContentLength(raw[i + 1]);
      if (v === -1 || (contentLength !== -1 && v !== contentLength)) {
        throw new HTTPMalformedResponseError(
          `invalid or conflicting Content-Length: ${JSON.stringify(raw[i + 1])}`,
        );
      }
      contentLength = v;
    } else if (name.length === 17 && name.toLowerCase() === "transfer-encoding") {
      if (te !== undefined) throw new HTTPMalformedResponseError("repeated Transfer-Encoding");
      te = raw[i + 1];
    } else if (name.length === 10 && name.toLowerCase() === "connection") {
      connection = connection === undefined ? raw[i + 1] : `${connection},${raw[i + 1]}`;
    }
  }
  let keepAlive = http11
    ? !hasToken(connection, "close")
    : hasToken(connection, "keep-alive") && !hasToken(connection, "close");
  let framing: BodyFraming;
  if (method === "HEAD" || code < 200 || code === 204 || code === 304) {
    framing = BodyFraming.None;
    contentLength = -1;
  } else if (te !== undefined) {
    if (contentLength !== -1) {
      throw new HTTPMalformedResponseError(
        "response with both Transfer-Encoding and Content-Length (RFC 9112 §6.3)",
      );
    }
    if (!http11) throw new HTTPMalformedResponseError("Transfer-Encoding in an HTTP/1.0 response");
    if (te.trim().toLowerCase() !== "chunked") {
      throw new HTTPMalformedResponseError(`unsupported Transfer-Encoding: ${JSON.stringify(te)}`);
    }
    framing = BodyFraming.Chunked;
  } else if (contentLength !== -1) {
    framing = contentLength === 0 ? BodyFraming.None : BodyFraming.Length;
  } else {
    framing = BodyFraming.Close;
    keepAlive = false;
  }
  return { version, code, reason, headers, framing, contentLength, keepAlive };
}

/**
 * A Content-Length value: 1 to 15 digits, or a list of identical such values (`5, 5`, which
 * RFC 9110 §8.6 lets a recipient accept); -1 for anything else.
 */
function parseContentLength(value: string): number {
  let result = -1;
  let i = 0;
  const n = value.length;
  for (;;) {
    while (i < n && (value.charCodeAt(i) === 0x20 || value.charCodeAt(i) === 0x09)) i++;
    const s = i;
    let v = 0;
    while (i < n) {
      const d = value.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    if (i === s || i - s > 15 || (result !== -1 && v !== result)) return -1;
    result = v;
    while (i < n && (value.charCodeAt(i) === 0x20 || value.charCodeAt(i) === 0x09)) i++;
    if (i === n) return result;
    if (value.charCodeAt(i) !== 0x2c) return -1;
    i++;
  }
}

/** True when the comma-separated `value` lists `token` (case-insensitive). */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (v === token) return true;
  for (const part of v.split(",")) if (part.trim() === token) return true;
  return false;
}
