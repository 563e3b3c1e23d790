// fetch against real servers: bodies both ways, keep-alive reuse, status errors, header callbacks.

import { Readable } from "node:stream";
import { defaultResolver, OverrideResolver } from "@t/tcpserver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPClientError, HTTPRequest, HTTPResponse } from "../src/index.js";
import { ClientFixture, reply } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe("fetch", () => {
  it("GETs from @t/httpserver: status, reason, headers, body, effectiveUrl, timing", async () => {
    const srv = await fx.serveT((req) =>
      reply(req, 200, `hello ${req.path}`, { "Content-Type": "text/plain", "X-A": "1" }),
    );
    const client = fx.client();
    const res = await client.fetch(srv.url("/x?y=1"));
    expect(res).toBeInstanceOf(HTTPResponse);
    expect(res.code).toBe(200);
    expect(res.reason).toBe("OK");
    expect(res.ok).toBe(true);
    expect(res.version).toBe("HTTP/1.1");
    expect(res.headers.get("x-a")).toBe("1");
    expect(res.text()).toBe("hello /x");
    expect(res.effectiveUrl).toBe(srv.url("/x?y=1"));
    expect(res.redirects).toBe(0);
    expect(res.requestTimeMs).toBeGreaterThanOrEqual(0);
    expect(res.request.method).toBe("GET");
  });

  it("resolves names through a Resolver from @t/tcpserver (OverrideResolver), and refuses a bad one", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, `host ${req.host}`));
    const resolver = new OverrideResolver(defaultResolver, { "api.example.test": "127.0.0.1" });
    const client = fx.client({ resolver });
    const res = await client.fetch(`http://api.example.test:${srv.port}/`);
    expect(res.text()).toBe(`host api.example.test:${srv.port}`);
    expect(() => fx.client({ resolver: {} as never })).toThrow(/resolver must be a Resolver/);
  });

  it("reuses one keep-alive connection for 25 sequential requests to @t/httpserver", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, req.path));
    const client = fx.client();
    for (let i = 0; i < 25; i++) {
      const res = await client.fetch(srv.url(`/${i}`));
      expect(res.text()).toBe(`/${i}`);
    }
    expect(srv.accepted).toBe(1);
    expect(client.stats()).toMatchObject({ inFlight: 0, queued: 0, connections: 1, idle: 1 });
  });

  it("reuses one keep-alive connection for 25 sequential requests to node:http", async () => {
    const srv = await fx.serveNode((req, res) => {
      res.setHeader("Content-Type", "text/plain");
      res.end(`node ${req.url}`);
    });
    const client = fx.client();
    for (let i = 0; i < 25; i++) {
      expect((await client.fetch(srv.url(`/${i}`))).text()).toBe(`node /${i}`);
    }
    expect(srv.accepted).toBe(1);
  });

  it("reads a chunked response from node:http (res.write without a length)", async () => {
    const srv = await fx.serveNode((_req, res) => {
      res.write("a".repeat(10_000));
      res.write("b");
      setImmediate(() => res.end("c"));
    });
    const client = fx.client();
    const res = await client.fetch(srv.url());
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.body.length).toBe(10_002);
    expect(res.text().endsWith("bc")).toBe(true);
    // The chunked response was read to its end: the connection is reused.
    await client.fetch(srv.url());
    expect(srv.accepted).toBe(1);
  });

  it("sends string and Buffer bodies with Content-Length", async () => {
    const seen: string[] = [];
    const srv = await fx.serveT((req) => {
      seen.push(`${req.method} ${req.headers.get("content-length")} ${req.body.toString()}`);
      reply(req, 200, "ok");
    });
    const client = fx.client();
    await client.fetch(srv.url(), { method: "POST", body: "héllo" });
    await client.fetch(srv.url(), { method: "PUT", body: Buffer.from("xyz") });
    await client.fetch(srv.url(), { method: "POST" });
    const big = Buffer.alloc(100_000, 7);
    await client.fetch(srv.url(), { method: "POST", body: big });
    expect(seen.slice(0, 3)).toEqual(["POST 6 héllo", "PUT 3 xyz", "POST 0 "]);
    expect(seen[3].startsWith("POST 100000 ")).toBe(true);
    expect(srv.accepted).toBe(1);
  });

  it("sends an async iterable body chunked, or with the Content-Length the headers declare", async () => {
    const seen: string[] = [];
    const srv = await fx.serveNode((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        seen.push(`${req.headers["transfer-encoding"]} ${req.headers["content-length"]} ${body}`);
        res.end("ok");
      });
    });
    const client = fx.client();
    async function* parts() {
      yield "one,";
      yield Buffer.from("two,");
      yield "";
      yield new Uint8Array([0x33]);
    }
    await client.fetch(srv.url(), { method: "POST", body: parts() });
    await client.fetch(srv.url(), {
      method: "POST",
      body: Readable.from(["ab", "cd"]),
      headers: { "Content-Length": "4" },
    });
    expect(seen).toEqual(["chunked undefined one,two,3", "undefined 4 abcd"]);
    expect(srv.accepted).toBe(1);
  });

  it("fails a request whose streamed body does not match its declared Content-Length", async () => {
    const srv = await fx.serveNode((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    const client = fx.client();
    await expect(
      client.fetch(srv.url(), {
        method: "POST",
        body: Readable.from(["abcdef"]),
        headers: { "Content-Length": "3" },
      }),
    ).rejects.toThrow(/longer than its Content-Length/);
  });

  it("HEAD reads no body even with a Content-Length, and the connection is reused", async () => {
    const srv = await fx.serveNode((_req, res) => {
      res.setHeader("Content-Length", "1234");
      res.end();
    });
    const client = fx.client();
    const res = await client.fetch(srv.url(), { method: "HEAD" });
    expect(res.headers.get("content-length")).toBe("1234");
    expect(res.body.length).toBe(0);
    await client.fetch(srv.url(), { method: "HEAD" });
    expect(srv.accepted).toBe(1);
  });

  it("204 and 304 have no body", async () => {
    const srv = await fx.serveT((req) => reply(req, req.path === "/204" ? 204 : 304));
    const client = fx.client();
    expect((await client.fetch(srv.url("/204"))).code).toBe(204);
    expect((await client.fetch(srv.url("/304"), { raiseError: false })).code).toBe(304);
    expect(srv.accepted).toBe(1);
  });

  it("rejects a non-2xx status with HTTPClientError carrying status and response", async () => {
    const srv = await fx.serveT((req) => reply(req, 404, "nope"));
    const client = fx.client();
    const err = (await client.fetch(srv.url("/missing")).catch((e) => e)) as HTTPClientError;
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.code).toBe("T_ERR_HTTP_STATUS");
    expect(err.status).toBe(404);
    expect(err.response?.text()).toBe("nope");
    expect(err.message).toMatch(/404/);
  });

  it("with raiseError: false resolves a 500 and keeps the error on the response", async () => {
    const srv = await fx.serveT((req) => reply(req, 500, "boom"));
    const client = fx.client();
    const res = await client.fetch(srv.url(), { raiseError: false });
    expect(res.code).toBe(500);
    expect(res.text()).toBe("boom");
    expect(res.error).toBeInstanceOf(HTTPClientError);
    expect(() => res.rethrow()).toThrow(HTTPClientError);
  });

  it("calls headerCallback with the status line, each field and the empty line", async () => {
    const srv = await fx.serveNode((_req, res) => {
      res.setHeader("X-One", "1");
      res.end("b");
    });
    const lines: string[] = [];
    const client = fx.client();
    await client.fetch(srv.url(), { headerCallback: (l) => lines.push(l) });
    expect(lines[0]).toBe("HTTP/1.1 200 OK\r\n");
    expect(lines).toContain("X-One: 1\r\n");
    expect(lines[lines.length - 1]).toBe("\r\n");
  });

  it("takes an HTTPRequest, client defaults, and per-fetch overrides; sends basic auth", async () => {
    const seen: string[] = [];
    const srv = await fx.serveT((req) => {
      seen.push(
        `${req.method} ${req.headers.get("x-d")} ${req.headers.get("x-r")} ${req.headers.get("authorization")} ${req.headers.get("user-agent")}`,
      );
      reply(req, 200, "ok");
    });
    const client = fx.client({
      defaults: { headers: { "X-D": "d", "X-R": "d" }, userAgent: "t/1" },
    });
    const req = new HTTPRequest(srv.url(), { method: "PUT", headers: { "X-R": "r" }, body: "" });
    await client.fetch(req);
    await client.fetch(req, { method: "DELETE" });
    await client.fetch(srv.url().replace("http://", "http://us%20er:p%40ss@"));
    await client.fetch(srv.url(), { authUsername: "a", authPassword: "b" });
    const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
    expect(seen).toEqual([
      "PUT d r undefined t/1",
      "DELETE d r undefined t/1",
      `GET d d ${basic("us er:p@ss")} t/1`,
      `GET d d ${basic("a:b")} t/1`,
    ]);
  });

  it("throws TypeError/RangeError for bad input", async () => {
    const client = fx.client();
    await expect(client.fetch("ftp://x/")).rejects.toThrow(TypeError);
    await expect(client.fetch("not a url")).rejects.toThrow(TypeError);
    await expect(client.fetch("http://127.0.0.1/", { method: "GE T" })).rejects.toThrow(TypeError);
    await expect(client.fetch("http://127.0.0.1/", { requestTimeoutMs: -1 })).rejects.toThrow(
      RangeError,
    );
    await expect(
      client.fetch("http://127.0.0.1/", { headers: { "X-A": "a\r\nb" } }),
    ).rejects.toThrow(TypeError);
    expect(() => fx.client({ maxClients: 0 })).toThrow(RangeError);
    expect(() => fx.client({ defaults: { maxRedirects: -1 } })).toThrow(RangeError);
  });
});
