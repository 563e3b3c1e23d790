// The connection pool: maxClients and maxConnectionsPerHost with a FIFO queue, keep-alive expiry, stale connections.

import type { HTTPServerRequest } from "@t/httpserver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPConnectionError } from "../src/index.js";
import { ClientFixture, readHead, reply, waitFor } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A server that holds every request until the test answers it. */
async function holdingServer() {
  const held: HTTPServerRequest[] = [];
  const seen: string[] = [];
  let maxConcurrent = 0;
  const srv = await fx.serveT((req) => {
    seen.push(req.path);
    held.push(req);
    maxConcurrent = Math.max(maxConcurrent, held.length);
  });
  return {
    srv,
    held,
    seen,
    get maxConcurrent() {
      return maxConcurrent;
    },
    /** Answer the oldest held request. */
    releaseOne() {
      const req = held.shift() as HTTPServerRequest;
      reply(req, 200, req.path);
    },
  };
}

describe("connection pool", () => {
  it("runs at most maxClients requests and starts queued ones in FIFO order", async () => {
    const h = await holdingServer();
    const client = fx.client({ maxClients: 2 });
    const done: string[] = [];
    const all = [0, 1, 2, 3, 4, 5].map((i) =>
      client.fetch(h.srv.url(`/${i}`)).then((r) => done.push(r.text())),
    );
    await waitFor(() => h.held.length === 2, { what: "two requests at the server" });
    expect(client.stats()).toMatchObject({ inFlight: 2, queued: 4 });
    for (let n = 0; n < 6; n++) {
      await waitFor(() => h.held.length > 0, { what: "a held request" });
      h.releaseOne();
    }
    await Promise.all(all);
    expect(h.seen).toEqual(["/0", "/1", "/2", "/3", "/4", "/5"]);
    expect(done).toEqual(["/0", "/1", "/2", "/3", "/4", "/5"]);
    expect(h.maxConcurrent).toBe(2);
    // The queue was served by the two pooled connections.
    expect(h.srv.accepted).toBe(2);
    expect(client.stats()).toMatchObject({ inFlight: 0, queued: 0, connections: 2, idle: 2 });
  });

  it("limits connections per host without blocking requests to other hosts", async () => {
    const a = await holdingServer();
    const b = await fx.serveT((req) => reply(req, 200, "b"));
    const client = fx.client({ maxClients: 10, maxConnectionsPerHost: 2 });
    const held = [0, 1, 2].map((i) => client.fetch(a.srv.url(`/${i}`)));
    await waitFor(() => a.held.length === 2, { what: "two requests at host a" });
    expect(client.stats().queued).toBe(1);
    // Host a is at its limit; a request to host b passes the queued one.
    expect((await client.fetch(b.url())).text()).toBe("b");
    expect(a.held.length).toBe(2);
    for (let n = 0; n < 3; n++) {
      await waitFor(() => a.held.length > 0, { what: "a held request" });
      a.releaseOne();
    }
    await Promise.all(held);
    expect(a.srv.accepted).toBe(2);
    expect(a.maxConcurrent).toBe(2);
  });

  it("retries an idempotent request once on a new connection when the pooled one was closed", async () => {
    // Connection 0 answers one request, then drops the second without answering (the server
    // closed its idle keep-alive socket just as the request arrived). Connection 1 answers.
    const srv = await fx.serveRaw(async (socket, index) => {
      await readHead(socket);
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      if (index === 0) {
        await readHead(socket);
        socket.destroy();
        return;
      }
    });
    const client = fx.client();
    expect((await client.fetch(srv.url("/a"))).text()).toBe("first");
    expect((await client.fetch(srv.url("/b"))).text()).toBe("first");
    expect(srv.sockets.length).toBe(2);
  });

  it("does not retry a POST on a stale connection: it fails with HTTPConnectionError", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      await readHead(socket);
      socket.destroy();
    });
    const client = fx.client();
    await client.fetch(srv.url());
    const err = await client.fetch(srv.url(), { method: "POST", body: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPConnectionError);
    expect(err.code).toBe("T_ERR_HTTP_CONNECTION");
    expect(err.message).toMatch(/closed before a response arrived/);
    expect(srv.sockets.length).toBe(1);
  });

  it("drops a pooled connection the server closed while it was idle, then connects anew", async () => {
    const srv = await fx.serveNode((req, res) => {
      res.end("ok");
      // The server's keep-alive timeout: it closes the socket right after the response.
      res.on("finish", () => req.socket.end());
    });
    const client = fx.client();
    await client.fetch(srv.url());
    await waitFor(() => client.stats().connections === 0, {
      what: "the closed connection dropped",
    });
    expect((await client.fetch(srv.url())).text()).toBe("ok");
    expect(srv.accepted).toBe(2);
  });

  it("closes idle connections after keepAliveTimeoutMs; keepAlive: false sends Connection: close", async () => {
    let closed = 0;
    const heads: (string | undefined)[] = [];
    const srv = await fx.serveNode((req, res) => {
      heads.push(req.headers.connection);
      req.socket.once("close", () => closed++);
      res.end("ok");
    });
    const client = fx.client({ keepAliveTimeoutMs: 40 });
    await client.fetch(srv.url());
    await waitFor(() => closed === 1, { what: "the idle connection closed by the client" });
    expect(client.stats().connections).toBe(0);
    await client.fetch(srv.url(), { keepAlive: false });
    expect(heads).toEqual([undefined, "close"]);
    await waitFor(() => client.stats().connections === 0, { what: "connection closed" });
  });

  it("concurrent requests to one host open at most maxConnectionsPerHost connections and reuse them", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, req.path));
    const client = fx.client({ maxClients: 50, maxConnectionsPerHost: 4 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.fetch(srv.url(`/${i}`)).then((r) => r.text())),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => `/${i}`));
    expect(srv.accepted).toBeLessThanOrEqual(4);
  });

  it("close() fails a request that is still connecting", async () => {
    const srv = await fx.serveRaw(() => {
      // Accept TCP, never answer the TLS ClientHello.
    });
    const client = fx.client();
    const p = client.fetch(`https://127.0.0.1:${srv.port}/`).catch((e) => e);
    await waitFor(() => srv.sockets.length === 1, { what: "the TCP connection" });
    client.close();
    expect((await p).code).toBe("T_ERR_HTTP_CLIENT_CLOSED");
    expect(client.stats()).toMatchObject({ inFlight: 0, connections: 0 });
  });

  it("close() fails queued and in-flight requests with HTTPClientClosedError", async () => {
    const h = await holdingServer();
    const client = fx.client({ maxClients: 1 });
    const a = client.fetch(h.srv.url("/a")).catch((e) => e);
    const b = client.fetch(h.srv.url("/b")).catch((e) => e);
    await waitFor(() => h.held.length === 1, { what: "one request held" });
    client.close();
    expect((await a).code).toBe("T_ERR_HTTP_CLIENT_CLOSED");
    expect((await b).code).toBe("T_ERR_HTTP_CLIENT_CLOSED");
    await expect(client.fetch(h.srv.url())).rejects.toMatchObject({
      code: "T_ERR_HTTP_CLIENT_CLOSED",
    });
    h.held.length = 0;
  });
});
