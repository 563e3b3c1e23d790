// Resolvers: the default (dns.lookup), OverrideResolver and CachingResolver, alone and under TCPClient (Tornado's netutil_test.py).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CachingResolver,
  DEFAULT_RESOLVER_CACHE_MAX_ENTRIES,
  DEFAULT_RESOLVER_CACHE_TTL_MS,
  DefaultResolver,
  defaultResolver,
  OverrideResolver,
  type ResolvedAddress,
  type ResolveOptions,
  type Resolver,
  TCPClient,
  TCPServer,
} from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** An echo server on port 0 of `host`; stopped by the fixture. */
async function echoServer(host: string): Promise<{ server: TCPServer; port: number }> {
  const server = new TCPServer({
    logger: fx.logger,
    handleStream: async (stream) => {
      for (;;) await stream.write(await stream.readUntil("\n"));
    },
  });
  fx.track({ close: () => server.stop() });
  await server.listen(0, host);
  return { server, port: server.addresses()[0].port };
}

/** Connects with `client` and checks a line round-trips; returns the stream's peer address. */
async function roundTrip(client: TCPClient, host: string, port: number) {
  const stream = fx.track(await within(client.connect(host, port, { timeoutMs: 10_000 })));
  await stream.write("ping\n");
  expect((await within(stream.readUntil("\n"))).toString()).toBe("ping\n");
  return stream.peerAddress();
}

/** A resolver that counts the lookups it is asked for and answers through another one. */
class CountingResolver implements Resolver {
  readonly asked: string[] = [];
  failNext = 0;
  constructor(private readonly inner: Resolver) {}
  async resolve(host: string, port: number, options?: ResolveOptions) {
    this.asked.push(`${host}:${port}/${options?.family ?? 0}`);
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    }
    return this.inner.resolve(host, port, options);
  }
}

describe("DefaultResolver", () => {
  it("resolves localhost to a loopback address with the port", async () => {
    const found = await within(defaultResolver.resolve("localhost", 80));
    expect(
      found.some(
        (a) =>
          (a.family === 4 && a.address === "127.0.0.1" && a.port === 80) ||
          (a.family === 6 && a.address === "::1" && a.port === 80),
      ),
      `loopback not in ${JSON.stringify(found)}`,
    ).toBe(true);
  });

  it("answers IP literals itself, of their own family", async () => {
    const r = new DefaultResolver();
    expect(await r.resolve("127.0.0.1", 8080)).toEqual([
      { address: "127.0.0.1", family: 4, port: 8080 },
    ]);
    expect(await r.resolve("::1", 443)).toEqual([{ address: "::1", family: 6, port: 443 }]);
  });

  it("only returns addresses of the family asked for", async () => {
    const found = await within(defaultResolver.resolve("localhost", 80, { family: 4 }));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((a) => a.family === 4)).toBe(true);
  });

  it("rejects a bad host with the system's error", async () => {
    const err = (await within(
      defaultResolver.resolve("an invalid domain", 80).then(
        () => null,
        (e: unknown) => e,
      ),
    )) as NodeJS.ErrnoException;
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toMatch(/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL)$/);
  });

  it("rejects bad arguments with TypeError/RangeError", () => {
    expect(() => defaultResolver.resolve("", 80)).toThrow(TypeError);
    expect(() => defaultResolver.resolve("localhost", 70_000)).toThrow(RangeError);
    expect(() => defaultResolver.resolve("localhost", 80, { family: 5 as never })).toThrow(
      RangeError,
    );
  });
});

describe("OverrideResolver", () => {
  it("maps host, host:port and host:port/family, the most specific first (Tornado's multiaddr test)", async () => {
    const r = new OverrideResolver(defaultResolver, {
      "google.com:80": "1.2.3.4:80",
      "google.com:80/4": "1.2.3.4:80",
      "google.com:80/6": "[2a02:6b8:7c:40c:c51e:495f:e23a:3]:80",
      "example.test": "10.0.0.1",
      "example.test:443": "localhost:8443",
    });
    expect(await r.resolve("google.com", 80, { family: 4 })).toEqual([
      { address: "1.2.3.4", family: 4, port: 80 },
    ]);
    expect(await r.resolve("google.com", 80, { family: 6 })).toEqual([
      { address: "2a02:6b8:7c:40c:c51e:495f:e23a:3", family: 6, port: 80 },
    ]);
    expect(await r.resolve("google.com", 80)).toEqual([
      { address: "1.2.3.4", family: 4, port: 80 },
    ]);
    // A host-only key keeps the asked port; a host:port key wins for its port.
    expect(await r.resolve("example.test", 25)).toEqual([
      { address: "10.0.0.1", family: 4, port: 25 },
    ]);
    const redirected = await within(r.resolve("example.test", 443));
    expect(redirected.length).toBeGreaterThan(0);
    expect(redirected.every((a) => a.port === 8443)).toBe(true);
    // Names compare without regard to case.
    expect(await r.resolve("EXAMPLE.Test", 1)).toEqual([
      { address: "10.0.0.1", family: 4, port: 1 },
    ]);
  });

  it("passes names it does not map to the wrapped resolver unchanged", async () => {
    const counting = new CountingResolver(defaultResolver);
    const r = new OverrideResolver(counting, new Map([["a.test", "127.0.0.1"]]));
    expect(await r.resolve("127.0.0.2", 9, { family: 4 })).toEqual([
      { address: "127.0.0.2", family: 4, port: 9 },
    ]);
    await r.resolve("a.test", 7);
    expect(counting.asked).toEqual(["127.0.0.2:9/4", "127.0.0.1:7/0"]);
  });

  it("rejects a malformed mapping at construction", () => {
    const bad: Record<string, string>[] = [
      { "a.test:0": "127.0.0.1" },
      { "a.test:99999": "127.0.0.1" },
      { "a.test:x": "127.0.0.1" },
      { "[::1": "127.0.0.1" },
      { "[::1]x": "127.0.0.1" },
      { "a.test/6": "::1" },
      { "a.test:80/5": "127.0.0.1" },
      { "a.test": "" },
      { ":80": "127.0.0.1" },
    ];
    for (const mapping of bad) {
      expect(() => new OverrideResolver(defaultResolver, mapping), JSON.stringify(mapping)).toThrow(
        TypeError,
      );
    }
    expect(() => new OverrideResolver(defaultResolver, null as never)).toThrow(TypeError);
    expect(() => new OverrideResolver({} as never, {})).toThrow(TypeError);
    expect(() => new OverrideResolver(defaultResolver, { "a.test": 1 as never })).toThrow(
      TypeError,
    );
  });

  it("lets TCPClient reach a local IPv4 server under a fake name", async () => {
    const { server, port } = await echoServer("127.0.0.1");
    const resolver = new OverrideResolver(defaultResolver, { "api.example.test": "127.0.0.1" });
    const peer = await roundTrip(new TCPClient({ resolver }), "api.example.test", port);
    expect(peer).toMatchObject({ address: "127.0.0.1", port });
    expect(server.connectionCount).toBe(1);
  });

  it("lets TCPClient reach a local IPv6 server, redirecting the port too", async () => {
    const { port } = await echoServer("::1");
    const resolver = new OverrideResolver(defaultResolver, {
      "login.example.com:443": `[::1]:${port}`,
    });
    const peer = await roundTrip(new TCPClient({ resolver }), "login.example.com", 443);
    expect(peer).toMatchObject({ family: "IPv6", address: "::1", port });
  });

  it("is asked for IP literals too: a literal host:port can be sent elsewhere", async () => {
    const { port } = await echoServer("127.0.0.1");
    const resolver = new OverrideResolver(defaultResolver, {
      "192.0.2.1:9": `127.0.0.1:${port}`,
    });
    const peer = await roundTrip(new TCPClient({ resolver }), "192.0.2.1", 9);
    expect(peer).toMatchObject({ address: "127.0.0.1", port });
  });
});

describe("CachingResolver", () => {
  it("has documented defaults and validates its options", () => {
    const r = new CachingResolver();
    expect(r.ttlMs).toBe(DEFAULT_RESOLVER_CACHE_TTL_MS);
    expect(r.maxEntries).toBe(DEFAULT_RESOLVER_CACHE_MAX_ENTRIES);
    expect(DEFAULT_RESOLVER_CACHE_TTL_MS).toBe(30_000);
    expect(DEFAULT_RESOLVER_CACHE_MAX_ENTRIES).toBe(1000);
    expect(() => new CachingResolver(defaultResolver, { ttlMs: 0 })).toThrow(RangeError);
    expect(() => new CachingResolver(defaultResolver, { ttlMs: Number.NaN })).toThrow(RangeError);
    expect(() => new CachingResolver(defaultResolver, { maxEntries: 0 })).toThrow(RangeError);
    expect(() => new CachingResolver(defaultResolver, { maxEntries: 1.5 })).toThrow(RangeError);
    expect(() => new CachingResolver({ resolve: 1 } as never)).toThrow(TypeError);
  });

  it("answers again from the cache within the TTL, and shares a lookup in flight", async () => {
    const counting = new CountingResolver(defaultResolver);
    const r = new CachingResolver(counting, { ttlMs: 60_000 });
    const [a, b] = await within(
      Promise.all([r.resolve("localhost", 80), r.resolve("localhost", 80)]),
    );
    expect(a).toEqual(b);
    expect(await r.resolve("localhost", 80)).toEqual(a);
    expect(counting.asked).toEqual(["localhost:80/0"]);
    // Another port or family is another question.
    await r.resolve("localhost", 81);
    await r.resolve("localhost", 80, { family: 4 });
    expect(counting.asked).toEqual(["localhost:80/0", "localhost:81/0", "localhost:80/4"]);
    expect(r.size).toBe(3);
  });

  it("asks again once the TTL has passed", async () => {
    const counting = new CountingResolver(defaultResolver);
    const r = new CachingResolver(counting, { ttlMs: 5 });
    await r.resolve("127.0.0.1", 80);
    // Waiting longer than the TTL (on the monotonic clock) is all the test needs.
    await new Promise((resolve) => fx.loop.callLater(20, resolve));
    await r.resolve("127.0.0.1", 80);
    expect(counting.asked).toEqual(["127.0.0.1:80/0", "127.0.0.1:80/0"]);
  });

  it("does not cache failures", async () => {
    const counting = new CountingResolver(defaultResolver);
    counting.failNext = 1;
    const r = new CachingResolver(counting);
    await expect(r.resolve("127.0.0.1", 80)).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(r.size).toBe(0);
    expect(await r.resolve("127.0.0.1", 80)).toEqual([
      { address: "127.0.0.1", family: 4, port: 80 },
    ]);
    expect(counting.asked).toHaveLength(2);
  });

  it("keeps at most maxEntries answers, dropping the least recently used", async () => {
    const counting = new CountingResolver(defaultResolver);
    const r = new CachingResolver(counting, { maxEntries: 2, ttlMs: 60_000 });
    await r.resolve("127.0.0.1", 1);
    await r.resolve("127.0.0.2", 1);
    await r.resolve("127.0.0.1", 1); // a hit: .1 is now the most recent
    await r.resolve("127.0.0.3", 1); // evicts .2
    expect(r.size).toBe(2);
    await r.resolve("127.0.0.1", 1); // still cached
    await r.resolve("127.0.0.2", 1); // asked again
    expect(counting.asked).toEqual([
      "127.0.0.1:1/0",
      "127.0.0.2:1/0",
      "127.0.0.3:1/0",
      "127.0.0.2:1/0",
    ]);
    for (let i = 0; i < 50; i++) await r.resolve(`127.0.1.${i}`, 1);
    expect(r.size).toBe(2);
  });

  it("hands out copies: a caller changing its answer does not change the cache", async () => {
    const r = new CachingResolver(defaultResolver);
    const first = await r.resolve("127.0.0.1", 80);
    (first[0] as ResolvedAddress).address = "10.9.9.9";
    first.push({ address: "10.0.0.1", family: 4 });
    expect(await r.resolve("127.0.0.1", 80)).toEqual([
      { address: "127.0.0.1", family: 4, port: 80 },
    ]);
  });

  it("under TCPClient, two connects by name make one lookup", async () => {
    const { port } = await echoServer("127.0.0.1");
    const counting = new CountingResolver(
      new OverrideResolver(defaultResolver, { "cached.example.test": "127.0.0.1" }),
    );
    const client = new TCPClient({ resolver: new CachingResolver(counting) });
    await roundTrip(client, "cached.example.test", port);
    await roundTrip(client, "cached.example.test", port);
    expect(counting.asked).toEqual([`cached.example.test:${port}/0`]);
  });

  it("close() forgets the answers", async () => {
    const counting = new CountingResolver(defaultResolver);
    const r = new CachingResolver(counting);
    await r.resolve("127.0.0.1", 80);
    r.close();
    expect(r.size).toBe(0);
    await r.resolve("127.0.0.1", 80);
    expect(counting.asked).toHaveLength(2);
  });
});

describe("TCPClient's resolver option", () => {
  it("accepts a Resolver or a function, and rejects anything else", () => {
    expect(() => new TCPClient({ resolver: new CachingResolver() })).not.toThrow();
    expect(() => new TCPClient({ resolver: async () => [] })).not.toThrow();
    expect(() => new TCPClient({ resolver: {} as never })).toThrow(TypeError);
    expect(() => new TCPClient({ resolver: "dns" as never })).toThrow(TypeError);
  });

  it("the function form is not asked for IP literals", async () => {
    const { port } = await echoServer("127.0.0.1");
    const asked: string[] = [];
    const client = new TCPClient({
      resolver: async (host) => {
        asked.push(host);
        return [];
      },
    });
    await roundTrip(client, "127.0.0.1", port);
    expect(asked).toEqual([]);
  });
});
