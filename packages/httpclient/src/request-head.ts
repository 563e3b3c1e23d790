// requestHead: the bytes of a request line and header section for an HTTPRequest.

import type { HTTPHeaders } from "@t/httpserver";
import { basicCredentials } from "./connector.js";
import type { HTTPRequest } from "./http-request.js";

/** Body length for a request without a body. */
export const NO_BODY = -2;
/** Body length for a body sent chunked. */
export const CHUNKED = -1;

/** Methods whose requests carry `Content-Length: 0` when they have no body (as node:http and undici do). */
const EXPECTS_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * Serialise the head of `request` (HTTP/1.1). `bodyLength` is the byte count, CHUNKED or
 * NO_BODY. Through a proxy without a tunnel the target is in absolute form and the proxy's
 * credentials go in Proxy-Authorization. Fields the client manages (Host, Content-Length,
 * Transfer-Encoding, Authorization from the URL or `authUsername`, Accept-Encoding, User-Agent,
 * Expect, Connection) are added unless the request's headers already have them — except the
 * framing fields, which are always the client's.
 */
export function requestHead(
  request: HTTPRequest,
  bodyLength: number,
  expectContinue: boolean,
): Buffer {
  const t = request.target;
  const proxy = request.proxy;
  const absolute = proxy !== null && !t.secure;
  let s = `${request.method} ${absolute ? `${t.secure ? "https" : "http"}://${t.hostHeader}${t.path}` : t.path} HTTP/1.1\r\n`;
  const headers: HTTPHeaders = request.headers;
  const custom = headers.count > 0;
  if (!custom || !headers.has("host")) s += `Host: ${t.hostHeader}\r\n`;
  if (custom) {
    const raw = headers.raw;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      if (isFramingField(name)) continue;
      s += `${name}: ${raw[i + 1]}\r\n`;
    }
  }
  const user = request.authUsername ?? (t.username !== "" ? t.username : undefined);
  if (user !== undefined && (!custom || !headers.has("authorization"))) {
    const password = request.authPassword ?? (t.username !== "" ? t.password : "");
    s += `Authorization: ${basicCredentials(user, password)}\r\n`;
  }
  if (absolute && (proxy.username !== "" || proxy.password !== "")) {
    s += `Proxy-Authorization: ${basicCredentials(proxy.username, proxy.password)}\r\n`;
  }
  if (request.userAgent !== undefined && (!custom || !headers.has("user-agent"))) {
    s += `User-Agent: ${request.userAgent}\r\n`;
  }
  if (request.decompressResponse && (!custom || !headers.has("accept-encoding"))) {
    s += "Accept-Encoding: gzip, deflate\r\n";
  }
  if (bodyLength >= 0) {
    if (bodyLength > 0 || EXPECTS_BODY.has(request.method))
      s += `Content-Length: ${bodyLength}\r\n`;
  } else if (bodyLength === CHUNKED) {
    s += "Transfer-Encoding: chunked\r\n";
  } else if (EXPECTS_BODY.has(request.method)) {
    s += "Content-Length: 0\r\n";
  }
  if (expectContinue) s += "Expect: 100-continue\r\n";
  if (!request.keepAlive) s += "Connection: close\r\n";
  s += "\r\n";
  return Buffer.from(s, "latin1");
}

/** Content-Length, Transfer-Encoding and Expect: the client sets these itself. */
function isFramingField(name: string): boolean {
  const n = name.length;
  if (n !== 14 && n !== 17 && n !== 6) return false;
  const l = name.toLowerCase();
  return l === "content-length" || l === "transfer-encoding" || l === "expect";
}

/**
 * The Content-Length a request's headers declare for a streamed body, or -1. Throws TypeError
 * when it is not a number.
 */
export function declaredLength(headers: HTTPHeaders): number {
  if (headers.count === 0) return -1;
  const v = headers.get("content-length");
  if (v === undefined) return -1;
  if (!/^[0-9]{1,15}$/.test(v)) {
    throw new TypeError(`Content-Length header must be a byte count, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}
