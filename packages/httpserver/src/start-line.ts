// Start lines: the request line and status line of HTTP/1.x, their types and string parsers.

import { TARGET, TCHAR } from "./char-classes.js";
import { HTTPInputError } from "./errors.js";

/** A parsed request line (Tornado's `RequestStartLine`): `GET /index.html HTTP/1.1`. */
export interface RequestStartLine {
  readonly method: string;
  /** The request-target exactly as sent (Tornado calls it `path`). */
  readonly path: string;
  readonly version: string;
}

/** A status line (Tornado's `ResponseStartLine`); `reason` defaults to the standard phrase. */
export interface ResponseStartLine {
  readonly version?: string;
  readonly code: number;
  readonly reason?: string;
}

/**
 * Parse `METHOD SP request-target SP HTTP-version` strictly (RFC 9112 §3): a token method, a
 * request-target of visible ASCII, and `HTTP/<digit>.<digit>`. Throws HTTPInputError.
 */
export function parseRequestStartLine(line: string): RequestStartLine {
  if (typeof line !== "string") throw new TypeError("parseRequestStartLine expects a string");
  const sp1 = line.indexOf(" ");
  const sp2 = sp1 === -1 ? -1 : line.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || line.indexOf(" ", sp2 + 1) !== -1) {
    throw new HTTPInputError("Malformed HTTP request line");
  }
  const method = line.slice(0, sp1);
  const path = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  for (let i = 0; i < method.length; i++) {
    const c = method.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) throw new HTTPInputError("Malformed HTTP method");
  }
  if (path.length === 0) throw new HTTPInputError("Empty request-target");
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c > 0xff || TARGET[c] === 0) throw new HTTPInputError("Malformed request-target");
  }
  if (!/^HTTP\/\d\.\d$/.test(version)) {
    throw new HTTPInputError(
      `Malformed HTTP version in HTTP Request-Line: ${JSON.stringify(version)}`,
    );
  }
  return { method, path, version };
}

/** Parse `HTTP/1.1 200 OK` (Tornado's `parse_response_start_line`). Throws HTTPInputError. */
export function parseResponseStartLine(line: string): Required<ResponseStartLine> {
  if (typeof line !== "string") throw new TypeError("parseResponseStartLine expects a string");
  const m = /^(HTTP\/1\.[0-9]) ([0-9]{3}) ([^\r\n]*)$/.exec(line);
  if (m === null) throw new HTTPInputError("Error parsing response start line");
  return { version: m[1], code: Number(m[2]), reason: m[3] };
}
