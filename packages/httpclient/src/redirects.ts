// redirectedRequest: the request that follows a 3xx response (RFC 9110 §15.4).

import { HTTPHeaders } from "@t/httpserver";
import { type HTTPRequest, isStreamBody } from "./http-request.js";
import { parseTarget } from "./request-target.js";

/** Fields that describe a body, dropped when a redirect turns the request into a GET. */
const CONTENT_FIELDS = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-location",
  "transfer-encoding",
]);

/** Credentials never sent to another origin than the one they were given for. */
const CREDENTIAL_FIELDS = new Set(["authorization", "cookie", "proxy-authorization"]);

/** True when a `code` redirect of `method` turns the request into a GET (or HEAD) without a body. */
function dropsBody(code: number, method: string): boolean {
  return (
    (code === 303 && method !== "HEAD") || ((code === 301 || code === 302) && method === "POST")
  );
}

/**
 * True when a `code` redirect of `request` can be followed: not when the request would have to
 * be sent again with its streamed body (which can be read only once). Decided at the head.
 */
export function canFollow(request: HTTPRequest, code: number): boolean {
  return !isStreamBody(request.body) || dropsBody(code, request.method);
}

/**
 * The request to send after a `code` redirect of `request` to `location` (absolute), or null
 * when it cannot be followed: a 307/308 would have to replay a streamed body. 303 turns any
 * method but HEAD into GET without a body, and so do 301/302 for POST (what browsers, curl and
 * Tornado do; RFC 9110 §15.4.2-3 allows it). On a change of origin (scheme, host or port) the
 * Authorization, Cookie and Proxy-Authorization fields and `authUsername` are dropped.
 */
export function redirectedRequest(
  request: HTTPRequest,
  code: number,
  location: string,
): HTTPRequest | null {
  let method = request.method;
  let body = request.body;
  const dropBody = dropsBody(code, method);
  if (dropBody) {
    method = "GET";
    body = undefined;
  } else if (isStreamBody(body)) {
    return null;
  }
  const target = parseTarget(location);
  const crossOrigin = target.origin !== request.target.origin;
  const headers = new HTTPHeaders();
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === "host") continue;
    if (dropBody && CONTENT_FIELDS.has(lower)) continue;
    if (crossOrigin && CREDENTIAL_FIELDS.has(lower)) continue;
    headers.add(name, value);
  }
  return request.redirected(target, method, body, headers, crossOrigin);
}
