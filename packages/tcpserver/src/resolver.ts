// Resolver: the name-resolution interface of TCPClient and its default, Node's dns.lookup.

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ResolvedAddress } from "./happy-eyeballs.js";

/** Options of {@link Resolver.resolve}. */
export interface ResolveOptions {
  /** Only addresses of this family: 4, 6, or 0 (the default) for any. */
  family?: 0 | 4 | 6;
}

/**
 * Resolves a host and port into the addresses to connect to, in the order to try them
 * (Tornado's `netutil.Resolver`). An address may carry its own `port` (an
 * {@link OverrideResolver} can redirect a port too); without one, the requested port is used.
 * Rejects with Node's system error (`ENOTFOUND`, `EAI_AGAIN`, …) when the name does not resolve.
 *
 * `TCPClient` asks its resolver for every host, IP literals included.
 */
export interface Resolver {
  /** The addresses `host:port` stands for. */
  resolve(host: string, port: number, options?: ResolveOptions): Promise<ResolvedAddress[]>;
  /** Releases what the resolver holds (a cache); optional. */
  close?(): void;
}

/**
 * The older function form of a resolver, still accepted by `TCPClient`: the addresses of a name
 * (`family` 0 = any). IP literals never reach it.
 */
export type ResolveFunction = (host: string, family: 0 | 4 | 6) => Promise<ResolvedAddress[]>;

/** Checks the arguments every resolver takes; throws TypeError/RangeError. */
export function checkResolveArgs(
  host: unknown,
  port: unknown,
  options: ResolveOptions | undefined,
): 0 | 4 | 6 {
  if (typeof host !== "string" || host.length === 0) {
    throw new TypeError("resolve expects a non-empty host name or IP address");
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`resolve expects a port in 0..65535, got ${String(port)}`);
  }
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError("resolve: options must be an object ({ family? })");
  }
  const family = options?.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(`resolve: family must be 0, 4 or 6, got ${String(family)}`);
  }
  return family;
}

/** The single address of an IP literal, or null for a name. */
export function literalAddress(host: string, port: number): ResolvedAddress[] | null {
  const family = isIP(host);
  return family === 0 ? null : [{ address: host, family: family as 4 | 6, port }];
}

/**
 * The system resolver: `dns.lookup(host, { all: true, family })`, i.e. `getaddrinfo` on libuv's
 * thread pool (the default of Tornado 6, its `DefaultLoopResolver`), honouring /etc/hosts and
 * nsswitch, every result in the system's order. IP literals are answered without a lookup.
 */
export class DefaultResolver implements Resolver {
  /** The addresses of `host` (with `port`), as the system orders them. */
  resolve(host: string, port: number, options?: ResolveOptions): Promise<ResolvedAddress[]> {
    const family = checkResolveArgs(host, port, options);
    const literal = literalAddress(host, port);
    if (literal !== null) return Promise.resolve(literal);
    return lookup(host, { all: true, family }).then((found) =>
      found.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4, port })),
    );
  }
}

/** The shared {@link DefaultResolver} (it holds no state). */
export const defaultResolver: Resolver = new DefaultResolver();

/** Checks that `value` is a {@link Resolver} (an object with `resolve`); throws TypeError naming `what`. */
export function checkResolver(value: unknown, what: string): Resolver {
  if (
    value === null ||
    typeof value !== "object" ||
    typeof (value as Resolver).resolve !== "function"
  ) {
    throw new TypeError(`${what} must be a Resolver (an object with resolve(host, port, options))`);
  }
  return value as Resolver;
}

/** Wraps the function form into a {@link Resolver}; IP literals are answered without calling it. */
export function resolverFromFunction(fn: ResolveFunction): Resolver {
  return {
    resolve(host, port, options) {
      const family = checkResolveArgs(host, port, options);
      const literal = literalAddress(host, port);
      return literal !== null ? Promise.resolve(literal) : fn(host, family);
    },
  };
}
