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
