// Redirects (RFC 9110 §15.4): methods and bodies per status, limits, credentials across origins.

import { Readable } from "node:stream";
import type { HTTPServerRequest } from "@t/httpserver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPClientError, HTTPTooManyRedirectsError } from "../src/index.js";
import { ClientFixture, reply } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

interface Seen {
  method: string;
  path: string;
  body: string;
  auth: string | undefined;
  cookie: string | undefined;
  type: string | undefined;
}

/** `/r/<code>/<rest>` redirects with <code> to `/<rest>` (or to a full URL in ?to=); others echo. */
async function redirectServer() {
  const seen: Seen[] = [];
  const srv = await fx.serveT((req: HTTPServerRequest) => {
    seen.push({
      method: req.method,
      path: req.uri,
      body: req.body.toString(),
      auth: req.headers.get("authorization"),
      cookie: req.headers.get("cookie"),
      type: req.headers.get("content-type"),
    });
    const m = /^\/r\/(\d{3})(\/.*)$/.exec(req.path);
    if (m !== null) {
      const to = req.queryArguments.to?.[0]?.toString() ?? m[2];
      reply(req, Number(m[1]), "moved", { Location: to });
      return;
    }
    reply(req, 200, `${req.method} ${req.path} ${req.body.toString()}`);
  });
  return { srv, seen };
}

describe("redirects", () => {
  it("follows a chain of 301, 302, 307 and 308 to the final response", async () => {
    const { srv } = await redirectServer();
    const client = fx.client();
    const res = await client.fetch(srv.url("/r/301/r/302/r/307/r/308/end"));
    expect(res.code).toBe(200);
    expect(res.text()).toBe("GET /end ");
    expect(res.redirects).toBe(4);
    expect(res.effectiveUrl).toBe(srv.url("/end"));
    expect(srv.accepted).toBe(1);
  });

  it("303 turns POST into GET without a body; 307/308 keep method and body; 301/302 POST becomes GET", async () => {
    const { srv, seen } = await redirectServer();
    const client = fx.client();
    const post = { method: "POST", body: "data", headers: { "Content-Type": "text/plain" } };
    expect((await client.fetch(srv.url("/r/303/a"), post)).text()).toBe("GET /a ");
    expect(seen[1]).toMatchObject({ method: "GET", body: "", type: undefined });
    expect((await client.fetch(srv.url("/r/307/b"), post)).text()).toBe("POST /b data");
    expect((await client.fetch(srv.url("/r/308/c"), post)).text()).toBe("POST /c data");
    expect(seen[5]).toMatchObject({ type: "text/plain" });
    expect((await client.fetch(srv.url("/r/301/d"), post)).text()).toBe("GET /d ");
    expect((await client.fetch(srv.url("/r/302/e"), post)).text()).toBe("GET /e ");
    expect((await client.fetch(srv.url("/r/302/f"), { method: "PUT", body: "x" })).text()).toBe(
      "PUT /f x",
    );
    expect((await client.fetch(srv.url("/r/303/g"), { method: "HEAD" })).code).toBe(200);
    expect(seen[seen.length - 1].method).toBe("HEAD");
  });

  it("headerCallback and streamingCallback see only the final response of a redirect chain", async () => {
    const { srv } = await redirectServer();
    const client = fx.client();
    const lines: string[] = [];
    const pieces: string[] = [];
    const res = await client.fetch(srv.url("/r/302/r/301/end"), {
      headerCallback: (l) => lines.push(l),
      streamingCallback: (c) => void pieces.push(c.toString()),
    });
    expect(res.redirects).toBe(2);
    expect(lines.filter((l) => l.startsWith("HTTP/"))).toEqual(["HTTP/1.1 200 OK\r\n"]);
    expect(pieces.join("")).toBe("GET /end ");
    expect(res.body.length).toBe(0);
  });

  it("does not replay a streamed body: a 307 answer to it is the response", async () => {
    const { srv } = await redirectServer();
    const client = fx.client();
    const res = await client.fetch(srv.url("/r/307/x"), {
      method: "POST",
      body: Readable.from(["a"]),
      raiseError: false,
    });
    expect(res.code).toBe(307);
    expect(res.text()).toBe("moved");
  });

  it("with followRedirects: false the 3xx is the response (an HTTPClientError unless raiseError: false)", async () => {
    const { srv } = await redirectServer();
    const client = fx.client();
    const res = await client.fetch(srv.url("/r/302/x"), {
      followRedirects: false,
      raiseError: false,
    });
    expect(res.code).toBe(302);
    expect(res.headers.get("location")).toBe("/x");
    const err = await client.fetch(srv.url("/r/302/x"), { followRedirects: false }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.status).toBe(302);
  });

  it("fails with HTTPTooManyRedirectsError past maxRedirects, with the last 3xx response", async () => {
    const { srv } = await redirectServer();
    const client = fx.client();
    const err = await client
      .fetch(srv.url("/r/302/r/302/r/302/end"), { maxRedirects: 2 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(HTTPTooManyRedirectsError);
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.code).toBe("T_ERR_HTTP_TOO_MANY_REDIRECTS");
    expect(err.response.code).toBe(302);
    expect(err.response.headers.get("location")).toBe("/end");
    expect((await client.fetch(srv.url("/r/302/r/302/end"), { maxRedirects: 2 })).code).toBe(200);
  });

  it("keeps Authorization and Cookie on the same origin and drops them across origins", async () => {
    const a = await redirectServer();
    const b = await redirectServer();
    const client = fx.client();
    const creds = { headers: { Authorization: "Bearer t", Cookie: "s=1" } };
    await client.fetch(a.srv.url("/r/302/same"), creds);
    expect(a.seen[1]).toMatchObject({ path: "/same", auth: "Bearer t", cookie: "s=1" });
    const to = encodeURIComponent(b.srv.url("/other"));
    await client.fetch(a.srv.url(`/r/302/x?to=${to}`), creds);
    expect(b.seen[0]).toMatchObject({ path: "/other", auth: undefined, cookie: undefined });
    // Basic auth given as options is an origin's credential too.
    await client.fetch(a.srv.url(`/r/307/x?to=${to}`), { authUsername: "u", authPassword: "p" });
    expect(a.seen[a.seen.length - 1].auth).toMatch(/^Basic /);
    expect(b.seen[1]).toMatchObject({ path: "/other", auth: undefined });
    // Another port on the same host is another origin.
    expect(a.srv.port).not.toBe(b.srv.port);
  });
});
