// OverrideResolver: send chosen hosts (or host:port pairs) elsewhere, e.g. a fake name to a test server.

import type { ResolvedAddress } from "./happy-eyeballs.js";
import {
  checkResolveArgs,
  checkResolver,
  defaultResolver,
  type ResolveOptions,
  type Resolver,
} from "./resolver.js";

/** A parsed side of a mapping: a host, with a port or not (-1). */
interface Endpoint {
  host: string;
  port: number;
}

/**
 * Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal; throws TypeError
 * naming `what` when malformed.
 */
function parseEndpoint(text: string, what: string): Endpoint {
  let host = text;
  let portText: string | null = null;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new TypeError(`${what}: unclosed "[" in ${JSON.stringify(text)}`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":"))
        throw new TypeError(`${what}: expected ":port" after "]" in ${JSON.stringify(text)}`);
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(":");
    if (colon >= 0 && colon === text.lastIndexOf(":")) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  if (host.length === 0) throw new TypeError(`${what}: empty host in ${JSON.stringify(text)}`);
  let port = -1;
  if (portText !== null) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : -1;
    if (port < 1 || port > 65535) {
      throw new TypeError(`${what}: the port in ${JSON.stringify(text)} must be 1..65535`);
    }
  }
  return { host, port };
}

/**
 * Where hosts go instead (Tornado's `OverrideResolver` mapping), keyed by:
 * - `"host"`: any port of that host → the value's host (and the value's port, if it has one);
 * - `"host:port"` (`"[v6]:port"`): that port only → the value's host and port;
 * - `"host:port/4"` or `"host:port/6"`: only when that family is asked for.
 *
 * Values are `"host"` or `"host:port"`; the new host is then resolved by the wrapped resolver, so
 * it may be a name or an IP literal. The most specific key wins; host names match without regard
 * to case.
 */
export type OverrideMapping = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/**
 * Wraps a resolver with a mapping of overrides (Tornado's `netutil.OverrideResolver`): local
 * "DNS changes" for tests and development without touching /etc/hosts — point a real-looking
 * name at a server on 127.0.0.1, or a production `host:443` at a local port.
 *
 * ```ts
 * const resolver = new OverrideResolver(defaultResolver, {
 *   "api.example.test": "127.0.0.1",             // any port
 *   "login.example.com:443": "localhost:8443",   // host and port
 *   "login.example.com:443/6": "[::1]:8443",     // only for IPv6 lookups
 * });
 * const stream = await new TCPClient({ resolver }).connect("login.example.com", 443);
 * ```
 */
export class OverrideResolver implements Resolver {
  private readonly inner: Resolver;
  /** Parsed mapping: key `host`, `port host` or `family port host` → target. */
  private readonly targets = new Map<string, Endpoint>();

  constructor(resolver: Resolver = defaultResolver, mapping: OverrideMapping) {
    this.inner = checkResolver(resolver, "OverrideResolver: resolver");
    if (mapping === null || typeof mapping !== "object") {
      throw new TypeError(
        "OverrideResolver: mapping must be an object or a Map of string → string",
      );
    }
    const pairs = mapping instanceof Map ? [...mapping] : Object.entries(mapping);
    for (const [key, value] of pairs) {
      if (typeof key !== "string" || typeof value !== "string") {
        throw new TypeError("OverrideResolver: mapping keys and values must be strings");
      }
      const slash = key.lastIndexOf("/");
      let family = 0;
      let from = key;
      if (slash >= 0) {
        family = key.slice(slash + 1) === "4" ? 4 : key.slice(slash + 1) === "6" ? 6 : -1;
        from = key.slice(0, slash);
        if (family === -1) {
          throw new TypeError(
            `OverrideResolver: the family in ${JSON.stringify(key)} must be /4 or /6`,
          );
        }
      }
      const source = parseEndpoint(from, "OverrideResolver key");
      if (family !== 0 && source.port === -1) {
        throw new TypeError(
          `OverrideResolver: a family-specific key needs a port ("host:port/${family}"), got ${JSON.stringify(key)}`,
        );
      }
      const target = parseEndpoint(value, "OverrideResolver value");
      this.targets.set(mapKey(source.host, source.port, family), target);
    }
  }

  /** Resolves `host:port` after applying the most specific override, with the wrapped resolver. */
  resolve(host: string, port: number, options?: ResolveOptions): Promise<ResolvedAddress[]> {
    const family = checkResolveArgs(host, port, options);
    const targets = this.targets;
    const target =
      (family !== 0 ? targets.get(mapKey(host, port, family)) : undefined) ??
      targets.get(mapKey(host, port, 0)) ??
      targets.get(mapKey(host, -1, 0));
    if (target === undefined) return this.inner.resolve(host, port, { family });
    return this.inner.resolve(target.host, target.port === -1 ? port : target.port, { family });
  }

  /** Closes the wrapped resolver if it can be closed. */
  close(): void {
    this.inner.close?.();
  }
}

/** The lookup key of a mapping entry; host names compare case-insensitively, as in DNS. */
function mapKey(host: string, port: number, family: number): string {
  const name = host.toLowerCase();
  return port === -1 ? name : `${family} ${port} ${name}`;
}
