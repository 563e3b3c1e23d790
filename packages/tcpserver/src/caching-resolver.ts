// CachingResolver: remembers what another resolver answered, for a TTL, in a bounded LRU map.

import type { ResolvedAddress } from "./happy-eyeballs.js";
import {
  checkResolveArgs,
  checkResolver,
  defaultResolver,
  type ResolveOptions,
  type Resolver,
} from "./resolver.js";

/** How long an answer is reused by default: 30 s (getaddrinfo reports no TTL). */
export const DEFAULT_RESOLVER_CACHE_TTL_MS = 30_000;
/** Most answers kept by default; the least recently used is dropped beyond it. */
export const DEFAULT_RESOLVER_CACHE_MAX_ENTRIES = 1000;

/** Options of {@link CachingResolver}. */
export interface CachingResolverOptions {
  /** How long an answer is reused, in milliseconds (> 0). Default 30000. */
  ttlMs?: number;
  /** Most answers kept (>= 1); the least recently used goes first. Default 1000. */
  maxEntries?: number;
}

interface CacheEntry {
  /** The lookup in flight, or its answer (a settled promise). */
  answer: Promise<ResolvedAddress[]>;
  /** When the answer stops being reused, on the `performance.now()` clock; Infinity while in flight. */
  expiresAt: number;
}

/**
 * Wraps a resolver and reuses its answers for `ttlMs` (Tornado has no such class; it is what
 * `cacheable-lookup` does for Node's `http`). Concurrent lookups of the same host, port and family
 * share one call to the wrapped resolver. Failures are not cached: the next call asks again.
 * The map holds at most `maxEntries` answers (a peer that makes us resolve many names cannot grow
 * it further): the least recently used one is dropped first, expired ones when met.
 *
 * ```ts
 * const client = new TCPClient({ resolver: new CachingResolver(defaultResolver, { ttlMs: 10_000 }) });
 * ```
 */
export class CachingResolver implements Resolver {
  /** Answers reused for this long, in milliseconds. */
  readonly ttlMs: number;
  /** Most answers kept. */
  readonly maxEntries: number;
  private readonly inner: Resolver;
  /** Insertion order is recency order: a hit moves its key to the end. */
  private readonly entries = new Map<string, CacheEntry>();

  constructor(resolver: Resolver = defaultResolver, options: CachingResolverOptions = {}) {
    this.inner = checkResolver(resolver, "CachingResolver: resolver");
    if (options === null || typeof options !== "object") {
      throw new TypeError("CachingResolver: options must be an object ({ ttlMs?, maxEntries? })");
    }
    const {
      ttlMs = DEFAULT_RESOLVER_CACHE_TTL_MS,
      maxEntries = DEFAULT_RESOLVER_CACHE_MAX_ENTRIES,
    } = options;
    if (typeof ttlMs !== "number" || !(ttlMs > 0)) {
      throw new RangeError(
        `CachingResolver: ttlMs must be a number of ms > 0, got ${String(ttlMs)}`,
      );
    }
    if (typeof maxEntries !== "number" || !Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(
        `CachingResolver: maxEntries must be an integer >= 1, got ${String(maxEntries)}`,
      );
    }
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** Answers kept now (in flight included). */
  get size(): number {
    return this.entries.size;
  }

  /** The wrapped resolver's answer for `host:port`, reused while younger than `ttlMs`. */
  resolve(host: string, port: number, options?: ResolveOptions): Promise<ResolvedAddress[]> {
    const family = checkResolveArgs(host, port, options);
    const key = `${family} ${port} ${host}`;
    const entries = this.entries;
    const hit = entries.get(key);
    if (hit !== undefined) {
      entries.delete(key);
      if (hit.expiresAt > performance.now()) {
        entries.set(key, hit); // most recently used
        return hit.answer.then(copyAll);
      }
    }
    const answer = this.inner.resolve(host, port, { family }).then(
      (addresses) => {
        if (entries.get(key) === entry) entry.expiresAt = performance.now() + this.ttlMs;
        return addresses;
      },
      (err: unknown) => {
        if (entries.get(key) === entry) entries.delete(key); // failures are not cached
        throw err;
      },
    );
    const entry: CacheEntry = { answer, expiresAt: Number.POSITIVE_INFINITY };
    entries.set(key, entry);
    if (entries.size > this.maxEntries) this.evict();
    return answer.then(copyAll);
  }

  /** Forgets every answer (lookups in flight still settle for their callers). */
  clear(): void {
    this.entries.clear();
  }

  /** Forgets every answer and closes the wrapped resolver if it can be closed. */
  close(): void {
    this.entries.clear();
    this.inner.close?.();
  }

  /** Drops the least recently used answers until within `maxEntries` (expired ones age out the same way). */
  private evict(): void {
    const entries = this.entries;
    for (const key of entries.keys()) {
      if (entries.size <= this.maxEntries) return;
      entries.delete(key);
    }
  }
}

/** A fresh array of fresh address objects, so that callers cannot change the cached answer. */
function copyAll(addresses: ResolvedAddress[]): ResolvedAddress[] {
  return addresses.map((a) => ({ ...a }));
}
