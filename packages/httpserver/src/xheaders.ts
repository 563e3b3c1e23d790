// xheaders: the client's address and scheme as a trusted proxy names them (Tornado's `_apply_xheaders`).

import { isIP } from "node:net";
import type { HTTPHeaders } from "./http-headers.js";

/**
 * The client's IP address behind a proxy (the `xheaders` option): the right-most address of
 * `X-Forwarded-For` that is not one of `trustedDownstream` (proxies in front of this one), or
 * `X-Real-Ip` when present; `remoteIp` (the socket's peer) when neither holds an IP address.
 * Pure: reads `headers` only.
 */
export function forwardedRemoteIp(
  headers: HTTPHeaders,
  remoteIp: string,
  trustedDownstream: ReadonlySet<string>,
): string {
  const fwd = headers.get("X-Forwarded-For");
  let ip = remoteIp;
  if (fwd !== undefined) {
    const parts = fwd.split(",");
    for (let k = parts.length - 1; k >= 0; k--) {
      ip = parts[k].trim();
      if (!trustedDownstream.has(ip)) break;
    }
  }
  ip = headers.get("X-Real-Ip", ip);
  return isIP(ip) !== 0 ? ip : remoteIp;
}

/**
 * The scheme the client used behind a proxy (the `xheaders` option): the last value of
 * `X-Scheme` or else `X-Forwarded-Proto` when it is "http" or "https"; `protocol` otherwise.
 * Pure: reads `headers` only.
 */
export function forwardedProtocol(headers: HTTPHeaders, protocol: string): string {
  let proto = headers.get("X-Scheme") ?? headers.get("X-Forwarded-Proto");
  if (proto === undefined) return protocol;
  proto = proto.slice(proto.lastIndexOf(",") + 1).trim();
  return proto === "http" || proto === "https" ? proto : protocol;
}
