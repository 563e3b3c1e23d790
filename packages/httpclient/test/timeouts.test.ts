// Timeouts of each kind (queue, connect, request, idle) and AbortSignal: clean errors, no leaks.

import { type AddressInfo, createServer } from "node:net";
import type { HTTPServerRequest } from "@t/httpserver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPAbortError, HTTPClientError, HTTPTimeoutError } from "../src/index.js";
import { ClientFixture, readHead, reply, waitFor } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A server that never answers `/hold` (and answers anything else). */
async function holdServer() {
  const held: HTTPServerRequest[] = [];
  const srv = await fx.serveT((req) => {
    if (req.path === "/hold") held.push(req);
    else reply(req, 200, "ok");
  });
  return { srv, held };
}

describe("timeouts", () => {
  it("requestTimeoutMs: HTTPTimeoutError (599, phase request); the connection is not reused", async () => {
    const { srv } = await holdServer();
    const client = fx.client();
    const err = await client.fetch(srv.url("/hold"), { requestTimeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPTimeoutError);
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.code).toBe("T_ERR_HTTP_TIMEOUT");
    expect(err.status).toBe(599);
    expect(err.phase).toBe("request");
    expect(client.stats().inFlight).toBe(0);
    expect((await client.fetch(srv.url("/ok"))).text()).toBe("ok");
    expect(srv.accepted).toBe(2);
  });

  it("idleTimeoutMs: a server that stops sending in the middle of a body times out (phase idle)", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart");
    });
    const client = fx.client();
    const err = await client
      .fetch(srv.url(), { idleTimeoutMs: 100, requestTimeoutMs: 0 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(HTTPTimeoutError);
    expect(err.phase).toBe("idle");
  });

  it("connectTimeoutMs: a TLS handshake that never completes times out (phase connect)", async () => {
    const srv = await fx.serveRaw(() => {
      // Accept TCP, never answer the ClientHello.
    });
    const client = fx.client();
    const err = await client
      .fetch(`https://127.0.0.1:${srv.port}/`, { connectTimeoutMs: 150 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(HTTPTimeoutError);
    expect(err.phase).toBe("connect");
    expect(client.stats()).toMatchObject({ inFlight: 0, connections: 0 });
  });

  it("a request waiting for a slot longer than connectTimeoutMs times out (phase queue)", async () => {
    const { srv, held } = await holdServer();
    const client = fx.client({ maxClients: 1 });
    const first = client.fetch(srv.url("/hold"), { requestTimeoutMs: 0 }).catch((e) => e);
    await waitFor(() => held.length === 1, { what: "first request held" });
    const err = await client.fetch(srv.url("/ok"), { connectTimeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPTimeoutError);
    expect(err.phase).toBe("queue");
    expect(client.stats()).toMatchObject({ inFlight: 1, queued: 0 });
    client.close();
    expect((await first).code).toBe("T_ERR_HTTP_CLIENT_CLOSED");
  });

  it("a refused connection fails with HTTPConnectionError whose cause is ECONNREFUSED", async () => {
    // A port nobody listens on: bound, then closed.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const free = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = fx.client();
    const err = await client.fetch(`http://127.0.0.1:${free}/`).catch((e) => e);
    expect(err.code).toBe("T_ERR_HTTP_CONNECTION");
    expect(err.cause.code).toBe("ECONNREFUSED");
  });
});

describe("AbortSignal", () => {
  it("aborting an in-flight request rejects with HTTPAbortError carrying the reason", async () => {
    const { srv, held } = await holdServer();
    const client = fx.client();
    const ac = new AbortController();
    const p = client.fetch(srv.url("/hold"), { signal: ac.signal }).catch((e) => e);
    await waitFor(() => held.length === 1, { what: "request held" });
    ac.abort(new Error("user gave up"));
    const err = await p;
    expect(err).toBeInstanceOf(HTTPAbortError);
    expect(err.code).toBe("T_ERR_HTTP_ABORTED");
    expect(err.cause.message).toBe("user gave up");
    expect(client.stats()).toMatchObject({ inFlight: 0, connections: 0 });
  });

  it("an already aborted signal rejects before anything is sent; a queued request can be aborted", async () => {
    const { srv, held } = await holdServer();
    const client = fx.client({ maxClients: 1 });
    const err = await client.fetch(srv.url("/ok"), { signal: AbortSignal.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPAbortError);
    expect(srv.accepted).toBe(0);
    const first = client.fetch(srv.url("/hold")).catch((e) => e);
    await waitFor(() => held.length === 1, { what: "first request held" });
    const ac = new AbortController();
    const queued = client.fetch(srv.url("/ok"), { signal: ac.signal }).catch((e) => e);
    await waitFor(() => client.stats().queued === 1, { what: "second request queued" });
    ac.abort();
    expect(await queued).toBeInstanceOf(HTTPAbortError);
    expect(client.stats().queued).toBe(0);
    client.close();
    await first;
  });

  it("aborting while a streamed response is read fails the iteration", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst");
    });
    const client = fx.client();
    const ac = new AbortController();
    const res = await client.stream(srv.url(), { signal: ac.signal });
    const it = res[Symbol.asyncIterator]();
    expect((await it.next()).value.toString()).toBe("first");
    const next = it.next();
    ac.abort();
    await expect(next).rejects.toBeInstanceOf(HTTPAbortError);
  });
});
