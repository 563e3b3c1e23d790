// Regressions of the first review: hostile servers against memory, fds and pool counts; option checks; redirect edge cases.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type * as net from "node:net";
import * as tls from "node:tls";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AsyncHTTPClient,
  HTTPAbortError,
  HTTPClientError,
  HTTPMalformedResponseError,
  HTTPResponseStream,
  HTTPTimeoutError,
} from "../src/index.js";
import { tlsFixtures } from "./certs.js";
import { ClientFixture, readHead, waitFor } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** Open socket fds of this process. */
function socketFds(): number {
  let n = 0;
  for (const f of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${f}`).startsWith("socket:")) n++;
    } catch {
      // Closed while listing.
    }
  }
  return n;
}

/** The send and receive queues (bytes) of the IPv4 TCP socket from `localPort` to `remotePort`. */
function tcpQueues(localPort: number, remotePort: number): { tx: number; rx: number } | null {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/tcp", "latin1").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    if (f[1].endsWith(`:${hex(localPort)}`) && f[2].endsWith(`:${hex(remotePort)}`)) {
      const [tx, rx] = f[4].split(":").map((x) => Number.parseInt(x, 16));
      return { tx, rx };
    }
  }
  return null;
}

/** Heap plus ArrayBuffer memory after a full collection. */
function memoryAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A TLS server (node:tls, TLS 1.2) on 127.0.0.1 with the test certificate. */
async function tlsServer(onSocket: (s: tls.TLSSocket, index: number) => void) {
  const sockets: tls.TLSSocket[] = [];
  const server = tls.createServer(
    { key: tlsFixtures.key, cert: tlsFixtures.cert, maxVersion: "TLSv1.2" },
    (s) => {
      s.on("error", () => {});
      sockets.push(s);
      onSocket(s, sockets.length - 1);
    },
  );
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fx.onDispose(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

describe("finding 1: a body of tiny chunks", () => {
  it("costs memory proportional to the body, not a Buffer per chunk", async () => {
    const n = 400_000;
    const chunks = Buffer.from("1\r\na\r\n".repeat(n), "latin1");
    let serverSocket: net.Socket | null = null;
    let written = false;
    const srv = await fx.serveRaw(async (s) => {
      serverSocket = s;
      await readHead(s);
      s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      s.write(chunks, () => {
        written = true;
      });
    });
    const client = fx.client();
    const before = memoryAfterGc();
    const pending = client.fetch(srv.url(), { maxBodySize: 10 * n });
    // Every chunk has been read by the client (nothing queued in the kernel on either side; a
    // read is parsed in the same turn): it holds the whole body, waiting for the last chunk.
    await waitFor(
      () => {
        const s = serverSocket;
        if (s === null || !written) return false;
        const out = tcpQueues(s.localPort as number, s.remotePort as number);
        const inn = tcpQueues(s.remotePort as number, s.localPort as number);
        return out !== null && inn !== null && out.tx === 0 && inn.rx === 0;
      },
      { what: "the chunks read by the client" },
    );
    const held = memoryAfterGc() - before;
    (serverSocket as unknown as net.Socket).end("0\r\n\r\n");
    const res = await pending;
    expect(res.body.length).toBe(n);
    expect(res.body.equals(Buffer.alloc(n, "a"))).toBe(true);
    // One growable buffer: at most ~2 bytes per body byte (plus noise), not ~100.
    expect(held / n).toBeLessThan(8);
  });
});

describe("finding 2: a refused CONNECT tunnel", () => {
  it.each([
    ["407, kept open", "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"],
    ["malformed answer", "HTTP/1.1 2OO Fine\r\n\r\n"],
    ["bytes after the 200", "HTTP/1.1 200 Connection Established\r\n\r\nsurprise"],
  ])("closes the socket to the proxy (%s)", async (_name, answer) => {
    const base = socketFds();
    const proxy = await fx.serveRaw(async (s) => {
      await readHead(s);
      s.write(answer); // and keep the connection open, as squid does
    });
    const client = fx.client();
    for (let i = 0; i < 10; i++) {
      const err = await client
        .fetch("https://localhost:9/", { proxy: `http://u:p@127.0.0.1:${proxy.port}` })
        .catch((e) => e);
      expect(err.code).toBe("T_ERR_HTTP_PROXY");
    }
    expect(client.stats()).toMatchObject({ inFlight: 0, connections: 0 });
    // The proxy's listening socket is the only one left once the client closed its ends.
    await waitFor(() => socketFds() <= base + 1, { what: "the tunnels' sockets closed" });
  });
});

describe("finding 5: an abort during connect", () => {
  it("closes the connecting socket and frees the origin's connection slot at once", async () => {
    const base = socketFds();
    // Accepts TCP but never speaks TLS: the handshake would wait for connectTimeoutMs (20 s).
    const srv = await fx.serveRaw((s) => s.resume());
    const closed: boolean[] = [];
    const client = fx.client({ maxConnectionsPerHost: 1 });
    const url = `https://127.0.0.1:${srv.port}/`;
    for (let i = 0; i < 3; i++) {
      const ac = new AbortController();
      const pending = client.fetch(url, { signal: ac.signal, ca: tlsFixtures.ca });
      // The slot is free again: this attempt reaches the server.
      await waitFor(() => srv.sockets.length === i + 1, { what: `connection ${i + 1}` });
      srv.sockets[i].on("close", () => {
        closed[i] = true;
      });
      ac.abort();
      await expect(pending).rejects.toBeInstanceOf(HTTPAbortError);
      await waitFor(() => closed[i] === true, { what: `connection ${i + 1} closed by the client` });
    }
    expect(client.stats()).toMatchObject({ inFlight: 0, queued: 0, connections: 0 });
    await waitFor(() => socketFds() <= base + 1, { what: "the client's sockets closed" });
  });
});

describe("finding 3: bytes right after the TLS handshake", () => {
  it("cannot wedge an origin: after many such connections a good request still succeeds", async () => {
    const bad = 6;
    const port = await tlsServer(async (s, i) => {
      if (i < bad) {
        s.write("garbage before any request\r\n");
        return;
      }
      await readHead(s as unknown as net.Socket);
      s.end("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ngood");
    });
    const client = fx.client({ maxConnectionsPerHost: 2, defaults: { ca: tlsFixtures.ca } });
    const url = `https://127.0.0.1:${port}/`;
    for (let i = 0; i < bad; i++) {
      const err = await client.fetch(url, { connectTimeoutMs: 5000 }).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(HTTPTimeoutError);
    }
    const res = await client.fetch(url, { connectTimeoutMs: 5000 });
    expect(res.text()).toBe("good");
    await waitFor(() => client.stats().connections === 0, { what: "no connection left" });
  });
});

describe("a stale pooled connection", () => {
  it("is retried ahead of the requests queued behind it", async () => {
    const seen: string[] = [];
    const srv = await fx.serveRaw(async (s, i) => {
      let head = await readHead(s);
      if (i === 0) {
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
        await readHead(s);
        s.destroy(); // closed as the second request arrives: stale
        return;
      }
      for (;;) {
        seen.push(head.split(" ")[1]);
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        head = await readHead(s);
      }
    });
    const client = fx.client({ maxClients: 1 });
    await client.fetch(srv.url("/1"));
    const order: string[] = [];
    await Promise.all(["/2", "/3"].map((p) => client.fetch(srv.url(p)).then(() => order.push(p))));
    expect(seen).toEqual(["/2", "/3"]);
    expect(order).toEqual(["/2", "/3"]);
  });
});

/** A TLS origin that answers every request on a connection with 200 "secret" (keep-alive). */
async function keepAliveTlsOrigin(): Promise<number> {
  return tlsServer(async (s) => {
    for (;;) {
      await readHead(s as unknown as net.Socket);
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
    }
  });
}

describe("finding 4: the pool key of TLS and proxy settings", () => {
  it("does not lend a connection verified with one CA bundle to a request with another", async () => {
    const port = await keepAliveTlsOrigin();
    // Same length, same end: only the content differs (the leaf certificate is no trust anchor).
    const tail = `\n# ${"-".repeat(60)} end of bundle\n`;
    let good = tlsFixtures.ca.toString("latin1");
    let bad = tlsFixtures.cert.toString("latin1");
    if (good.length < bad.length) good += "\n".repeat(bad.length - good.length);
    else bad += "\n".repeat(good.length - bad.length);
    const client = fx.client();
    const url = `https://localhost:${port}/`;
    expect((await client.fetch(url, { ca: good + tail })).text()).toBe("secret");
    expect(client.stats().idle).toBe(1);
    await expect(client.fetch(url, { ca: bad + tail })).rejects.toMatchObject({
      code: "T_ERR_HTTP_CONNECTION",
    });
  });

  it("does not lend a tunnel opened with one proxy password to a request with another", async () => {
    const port = await keepAliveTlsOrigin();
    const good = `Basic ${Buffer.from("u:right").toString("base64")}`;
    const proxy = await fx.serveRaw(async (s) => {
      const head = await readHead(s);
      if (!head.includes(`\r\nProxy-Authorization: ${good}\r\n`)) {
        s.end("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      const { connect } = await import("node:net");
      const upstream = connect(port, "127.0.0.1", () => {
        s.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        s.pipe(upstream);
        upstream.pipe(s);
      });
      upstream.on("error", () => s.destroy());
      s.on("close", () => upstream.destroy());
    });
    const client = fx.client({ defaults: { ca: tlsFixtures.ca } });
    const url = `https://localhost:${port}/`;
    const res = await client.fetch(url, { proxy: `http://u:right@127.0.0.1:${proxy.port}` });
    expect(res.text()).toBe("secret");
    expect(client.stats().idle).toBe(1);
    const err = await client
      .fetch(url, { proxy: `http://u:wrong@127.0.0.1:${proxy.port}` })
      .catch((e) => e);
    expect(err.code).toBe("T_ERR_HTTP_PROXY");
    expect(err.status).toBe(407);
  });
});

describe("finding 6: userAgent", () => {
  it.each([
    ["ua\r\nX-Injected: yes", /CR, LF or NUL/],
    ["caf\u00e9 \u20ac", /U\+00FF/],
  ])("is checked as a header value: %j", async (ua, why) => {
    const srv = await fx.serveRaw((s) => s.destroy());
    const client = fx.client();
    const err = await client.fetch(srv.url(), { userAgent: ua }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/userAgent/);
    expect(err.message).toMatch(why);
    expect(srv.sockets.length).toBe(0);
    expect(() => new AsyncHTTPClient({ loop: fx.loop, defaults: { userAgent: ua } })).toThrow(
      TypeError,
    );
  });
});

describe("finding 7: a bad percent-escape in URL userinfo", () => {
  it("is a TypeError from fetch", async () => {
    const client = fx.client();
    const err = await client.fetch("http://%zz@127.0.0.1:1/").catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/userinfo/);
  });

  it("in a Location is not followed: the 3xx is the answer", async () => {
    const srv = await fx.serveRaw(async (s) => {
      await readHead(s);
      s.end(
        "HTTP/1.1 302 Found\r\nLocation: http://%zz@127.0.0.1:1/\r\nContent-Length: 1\r\n\r\nx",
      );
    });
    const client = fx.client();
    const res = await client.fetch(srv.url(), { raiseError: false });
    expect(res.code).toBe(302);
    expect(res.text()).toBe("x");
    const err = await client.fetch(srv.url()).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.status).toBe(302);
  });
});

describe("finding 8: a redirect that cannot be followed with a streamed body", () => {
  it.each([301, 302, 307])("leaves stream() a readable %i response", async (code) => {
    const srv = await fx.serveRaw(async (s) => {
      await readHead(s);
      s.end(
        `HTTP/1.1 ${code} Moved\r\nLocation: /elsewhere\r\nContent-Length: 13\r\nConnection: close\r\n\r\nredirect body`,
      );
    });
    const client = fx.client();
    const lines: string[] = [];
    const res = await client.stream(srv.url(), {
      method: "PUT",
      body: (async function* () {
        yield "abc";
      })(),
      headers: { "Content-Length": "3" },
      raiseError: false,
      headerCallback: (line) => lines.push(line),
    });
    expect(res).toBeInstanceOf(HTTPResponseStream);
    expect(res.code).toBe(code);
    expect(lines[0]).toMatch(new RegExp(`^HTTP/1.1 ${code} `));
    const parts: Buffer[] = [];
    for await (const chunk of res) parts.push(chunk);
    expect(Buffer.concat(parts).toString()).toBe("redirect body");
    expect(srv.sockets.length).toBe(1);
  });
});

describe("finding 9: idleTimeoutMs and a slow consumer", () => {
  it("does not fire while reading is paused for the consumer", async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, "b");
    const srv = await fx.serveRaw(async (s, i) => {
      await readHead(s);
      if (i === 0) {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`);
        s.end(big);
      }
      // The second connection never answers: its idle timeout is the test's clock.
    });
    const client = fx.client();
    const res = await client.stream(srv.url("/big"), { idleTimeoutMs: 200 });
    let n = 0;
    for await (const chunk of res) {
      if (n === 0) {
        // A consumer slower than idleTimeoutMs: it waits until a request started after this
        // one has timed out for silence (so this one's idle deadline has passed too).
        const silent = await client
          .fetch(srv.url("/silent"), { idleTimeoutMs: 200 })
          .catch((e) => e);
        expect(silent).toBeInstanceOf(HTTPTimeoutError);
        expect(silent.phase).toBe("idle");
      }
      n += chunk.length;
    }
    expect(n).toBe(big.length);
  });
});

describe("finding 11: sizes of Infinity", () => {
  it.each(["readChunkSize", "maxHeaderSize"])("are refused for %s", (name) => {
    expect(() => new AsyncHTTPClient({ loop: fx.loop, [name]: Number.POSITIVE_INFINITY })).toThrow(
      RangeError,
    );
    expect(() => new AsyncHTTPClient({ loop: fx.loop, [name]: 2 ** 60 })).toThrow(RangeError);
  });
});

describe("status lines", () => {
  it("accepts a status line without a reason phrase or the space before it", async () => {
    const srv = await fx.serveRaw(async (s) => {
      await readHead(s);
      s.write("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok");
    });
    const res = await fx.client().fetch(srv.url());
    expect(res.code).toBe(200);
    expect(res.reason).toBe("");
    expect(res.text()).toBe("ok");
  });

  it("takes a status of 600..999 as a server error (RFC 9110 §15), and refuses other lengths", async () => {
    const srv = await fx.serveRaw(async (s, i) => {
      await readHead(s);
      s.end(
        i === 0
          ? "HTTP/1.1 600 Odd\r\nContent-Length: 1\r\n\r\n!"
          : "HTTP/1.1 1000 Odd\r\nContent-Length: 1\r\n\r\n!",
      );
    });
    const client = fx.client();
    const err = await client.fetch(srv.url()).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.status).toBe(600);
    expect(err.response.text()).toBe("!");
    await expect(client.fetch(srv.url())).rejects.toBeInstanceOf(HTTPMalformedResponseError);
  });
});

describe("header values beyond latin1", () => {
  it("are refused with a message that says so", async () => {
    const client = fx.client();
    const err = await client
      .fetch("http://127.0.0.1:1/", { headers: { "X-Price": "5 \u20ac" } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/X-Price/);
    expect(err.message).toMatch(/U\+00FF/);
  });
});
