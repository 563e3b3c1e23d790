// HTTPServer over real sockets: framing, keep-alive, pipelining, 1xx/204/304/HEAD, Date, xheaders.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPHeaders, HTTPServer, type HTTPServerRequest } from "../src/index.js";
import { echoed, echoHandler, ServerFixture, sleep, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe("HTTPServer basics", () => {
  it("serves the DESIGN §7 example verbatim (request callback, HTTPHeaders, fetch)", async () => {
    const server = new HTTPServer(
      (req) => {
        req.connection.writeHeaders(
          { code: 200, reason: "OK" },
          new HTTPHeaders({ "Content-Type": "text/plain" }),
          Buffer.from("Hello, world"),
        );
        req.connection.finish();
      },
      { xheaders: true, logger: fx.logger },
    );
    await server.listen(0, "127.0.0.1");
    const port = server.addresses()[0].port;
    const res = await within(fetch(`http://127.0.0.1:${port}/`), 5000, "fetch");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("content-length")).toBe("12");
    expect(await res.text()).toBe("Hello, world");
    server.stop();
    await server.closeAllConnections();
    expect(fx.problems()).toEqual([]);
  });

  it("hands the callback method, uri, path, query, version, headers, body, remoteIp and protocol", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(
      "POST /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Foo: bar \r\nContent-Length: 5\r\n\r\nhello",
    );
    const r = await c.readResponse();
    expect(r.status).toBe(200);
    const e = echoed(r);
    expect(e).toMatchObject({
      method: "POST",
      uri: "/a/b?x=1&y=2",
      path: "/a/b",
      query: "x=1&y=2",
      version: "HTTP/1.1",
      body: "hello",
      remoteIp: "127.0.0.1",
      protocol: "http",
    });
    expect(e.headers).toEqual([
      ["Host", "h"],
      ["X-Foo", "bar"],
      ["Content-Length", "5"],
    ]);
  });

  it("answers one response per write: head and small body leave together with a Content-Length", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.readResponse();
    expect(r.headers.get("Content-Length")).toBe(String(r.body.length));
    expect(r.headers.has("Transfer-Encoding")).toBe(false);
  });

  it("adds a Date header in IMF-fixdate form, unless the application set one", async () => {
    const { port } = await fx.serve((req) => {
      const h = new HTTPHeaders();
      if (req.path === "/own") h.add("Date", "Thu, 01 Jan 1970 00:00:00 GMT");
      req.connection.writeHeaders({ code: 200 }, h, "x");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /own HTTP/1.1\r\nHost: x\r\n\r\n");
    const a = await c.readResponse();
    const b = await c.readResponse();
    expect(a.headers.get("Date")).toMatch(
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    expect(Math.abs(Date.parse(a.headers.get("Date") as string) - Date.now())).toBeLessThan(5000);
    expect(b.headers.getList("Date")).toEqual(["Thu, 01 Jan 1970 00:00:00 GMT"]);
  });

  it("uses the standard reason phrase when none is given", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders({ code: 404 }, new HTTPHeaders(), "nope");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.readResponse();
    expect(r.status).toBe(404);
    expect(r.reason).toBe("Not Found");
  });

  it("rejects a constructor argument that is neither a callback nor a delegate", () => {
    expect(() => new HTTPServer(42 as never)).toThrow(TypeError);
    expect(() => new HTTPServer({} as never)).toThrow(TypeError);
    expect(() => new HTTPServer(() => {}, { maxHeaderSize: -1 })).toThrow(RangeError);
  });

  it("serves over IPv6 loopback", async () => {
    const { port } = await fx.serve(echoHandler, {}, "::1");
    const c = await fx.connect(port, "::1");
    await c.write("GET /v6 HTTP/1.1\r\nHost: x\r\n\r\n");
    const e = echoed(await c.readResponse());
    expect(e.remoteIp).toBe("::1");
    expect(e.uri).toBe("/v6");
  });
});

describe("keep-alive", () => {
  it("keeps an HTTP/1.1 connection open for several requests", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    for (let i = 0; i < 5; i++) {
      await c.write(`GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const r = await c.readResponse();
      expect(echoed(r).uri).toBe(`/${i}`);
      expect(r.headers.has("Connection")).toBe(false);
    }
    expect(c.closed).toBe(false);
  });

  it("closes an HTTP/1.1 connection after Connection: close, saying so", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const r = await c.readResponse();
    expect(r.headers.get("Connection")).toBe("close");
    await c.readUntilClose();
    expect(c.closed).toBe(true);
  });

  it("closes an HTTP/1.0 connection by default", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.0\r\n\r\n");
    const r = await c.readResponse();
    expect(r.version).toBe("HTTP/1.1");
    expect(echoed(r).version).toBe("HTTP/1.0");
    await c.readUntilClose();
  });

  it("keeps an HTTP/1.0 connection with Connection: keep-alive and answers keep-alive", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    for (let i = 0; i < 3; i++) {
      await c.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const r = await c.readResponse();
      expect(r.headers.get("Connection")).toBe("keep-alive");
    }
    expect(c.closed).toBe(false);
  });

  it("closes an HTTP/1.0 keep-alive connection whose response has no length", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "part1 ");
      setTimeout(() => {
        req.connection.write("part2");
        req.connection.finish();
      }, 5);
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const rest = await c.readUntilClose();
    expect(rest).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(rest).not.toMatch(/Transfer-Encoding/i);
    expect(rest.endsWith("\r\n\r\npart1 part2")).toBe(true);
  });

  it("closes after every response with noKeepAlive", async () => {
    const { port } = await fx.serve(echoHandler, { noKeepAlive: true });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.readResponse();
    expect(r.headers.get("Connection")).toBe("close");
    await c.readUntilClose();
  });

  it("closes when the application answers Connection: close", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders({ Connection: "close" }), "bye");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("bye");
    await c.readUntilClose();
  });
});

describe("pipelining", () => {
  it("answers 100 pipelined requests sent in one packet, in order", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    let all = "";
    for (let i = 0; i < 100; i++) all += `GET /p${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    await c.write(all);
    for (let i = 0; i < 100; i++) expect(echoed(await c.readResponse()).uri).toBe(`/p${i}`);
  });

  it("answers pipelined requests in order even when earlier ones finish later", async () => {
    const { port } = await fx.serve((req) => {
      const delay = req.path === "/slow" ? 30 : 0;
      setTimeout(() => {
        req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), req.path);
        req.connection.finish();
      }, delay);
    });
    const c = await fx.connect(port);
    await c.write(
      "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nPOST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /last HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    expect((await c.readResponse()).body.toString()).toBe("/slow");
    expect((await c.readResponse()).body.toString()).toBe("/fast");
    expect((await c.readResponse()).body.toString()).toBe("/last");
  });

  it("ignores empty lines between pipelined requests", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(
      "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    expect(echoed(await c.readResponse()).uri).toBe("/a");
    expect(echoed(await c.readResponse()).uri).toBe("/b");
  });

  it("parses a request split at every byte boundary identically", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    const req =
      "POST /split?q=1 HTTP/1.1\r\nHost: example\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n" +
      "3;ext=1\r\nabc\r\n5\r\ndefgh\r\n0\r\nTrailer-X: y\r\n\r\n";
    const reference = echoed(
      await (async () => {
        await c.write(req);
        return c.readResponse();
      })(),
    );
    expect(reference.body).toBe("abcdefgh");
    for (let i = 1; i < req.length; i++) {
      await c.write(req.slice(0, i));
      await sleep(1);
      await c.write(req.slice(i));
      expect(echoed(await c.readResponse())).toEqual(reference);
    }
  });
});

describe("bodies", () => {
  it("reads a Content-Length body", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    const body = "x".repeat(100_000);
    await c.write(`PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(echoed(await c.readResponse()).body).toBe(body);
  });

  it("reads a chunked body with extensions and trailers", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4 ; a=b;c="q \\" d"\r\nWiki\r\n005\r\npedia\r\n0\r\nExpires: never\r\n\r\n',
    );
    expect(echoed(await c.readResponse()).body).toBe("Wikipedia");
  });

  it("sends a chunked response when the body is written over several ticks", async () => {
    const { port } = await fx.serve((req) => {
      const conn = req.connection;
      conn.writeHeaders({ code: 200 }, new HTTPHeaders({ "Content-Type": "text/plain" }), "one,");
      setTimeout(() => {
        conn.write("two,");
        setTimeout(() => {
          conn.write("three");
          conn.finish();
        }, 5);
      }, 5);
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.readResponse();
    expect(r.headers.get("Transfer-Encoding")).toBe("chunked");
    expect(r.headers.has("Content-Length")).toBe(false);
    expect(r.body.toString()).toBe("one,two,three");
    // and the connection stays usable
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("one,two,three");
  });

  it("keeps an application Content-Length over several ticks (no chunking)", async () => {
    const { port } = await fx.serve((req) => {
      const conn = req.connection;
      conn.writeHeaders({ code: 200 }, new HTTPHeaders({ "Content-Length": "6" }));
      setTimeout(() => {
        conn.write("abc");
        setTimeout(() => {
          conn.write("def");
          conn.finish();
        }, 2);
      }, 2);
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.readResponse();
    expect(r.headers.has("Transfer-Encoding")).toBe(false);
    expect(r.body.toString()).toBe("abcdef");
  });

  it("answers Expect: 100-continue before the body is sent", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    );
    const interim = await c.readResponse();
    expect(interim.status).toBe(100);
    await c.write("data");
    const r = await c.readResponse();
    expect(r.status).toBe(200);
    expect(echoed(r).body).toBe("data");
  });

  it("answers 417 to an unknown expectation", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: magic\r\n\r\n");
    expect((await c.readResponse()).status).toBe(417);
    await c.readUntilClose();
  });

  it("answers 413 before reading a body over maxBodySize (no 100 Continue)", async () => {
    let called = false;
    const { port } = await fx.serve(
      () => {
        called = true;
      },
      { maxBodySize: 1000 },
    );
    const c = await fx.connect(port);
    await c.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\nExpect: 100-continue\r\n\r\n",
    );
    const r = await c.readResponse();
    expect(r.status).toBe(413);
    expect(r.headers.get("Connection")).toBe("close");
    await c.readUntilClose();
    expect(called).toBe(false);
  });

  it("answers 413 when a chunked body grows over maxBodySize", async () => {
    const { port } = await fx.serve(echoHandler, { maxBodySize: 10 });
    const c = await fx.connect(port);
    await c.write(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n",
    );
    expect((await c.readResponse()).status).toBe(413);
    await c.readUntilClose();
  });

  it("answers 431 for a head over maxHeaderSize", async () => {
    const { port } = await fx.serve(echoHandler, { maxHeaderSize: 1024 });
    const c = await fx.connect(port);
    await c.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`);
    expect((await c.readResponse()).status).toBe(431);
    await c.readUntilClose();
  });

  it("answers 431 for an incomplete head already over maxHeaderSize", async () => {
    const { port } = await fx.serve(echoHandler, { maxHeaderSize: 1024 });
    const c = await fx.connect(port);
    await c.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(2000)}`);
    expect((await c.readResponse()).status).toBe(431);
  });

  it("delivers dataReceived chunks no larger than chunkSize", async () => {
    const sizes: number[] = [];
    const { port } = await fx.serve(
      {
        startRequest: (_s, conn) => ({
          headersReceived() {},
          dataReceived(chunk: Buffer) {
            sizes.push(chunk.length);
          },
          finish() {
            conn.writeHeaders(
              { code: 200 },
              new HTTPHeaders(),
              String(sizes.reduce((a, b) => a + b, 0)),
            );
            conn.finish();
          },
          onConnectionClose() {},
        }),
      },
      { chunkSize: 1000 },
    );
    const c = await fx.connect(port);
    await c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${"z".repeat(5000)}`);
    expect((await c.readResponse()).body.toString()).toBe("5000");
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
  });
});

describe("responses without bodies", () => {
  it("answers HEAD with the Content-Length of the body but no body", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "twelve bytes");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const h = await c.readResponse(true);
    expect(h.headers.get("Content-Length")).toBe("12");
    const g = await c.readResponse();
    expect(g.body.toString()).toBe("twelve bytes");
  });

  it("sends 204 and 304 without a body, Content-Length or chunking, and keeps the connection", async () => {
    const { port } = await fx.serve((req) => {
      const code = req.path === "/204" ? 204 : 304;
      req.connection.writeHeaders({ code }, new HTTPHeaders());
      if (req.path === "/async") setTimeout(() => req.connection.finish(), 2);
      else req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write(
      "GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET /async HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    for (const code of [204, 304, 304, 204]) {
      const r = await c.readResponse();
      expect(r.status).toBe(code);
      expect(r.headers.has("Content-Length")).toBe(false);
      expect(r.headers.has("Transfer-Encoding")).toBe(false);
    }
    await sleep(20);
    expect(c.peek()).toBe("");
    expect(c.closed).toBe(false);
  });

  it("sends 1xx interim responses before the final one", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders(
        { code: 103 },
        new HTTPHeaders({ Link: "</s.css>; rel=preload" }),
      );
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "final");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const early = await c.readResponse();
    expect(early.status).toBe(103);
    expect(early.headers.get("Link")).toBe("</s.css>; rel=preload");
    const r = await c.readResponse();
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe("final");
  });
});

describe("xheaders", () => {
  const who = (req: HTTPServerRequest) => {
    req.connection.writeHeaders(
      { code: 200 },
      new HTTPHeaders(),
      `${req.remoteIp} ${req.protocol}`,
    );
    req.connection.finish();
  };

  it("takes the client address from X-Real-IP and the scheme from X-Scheme", async () => {
    const { port } = await fx.serve(who, { xheaders: true });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\nX-Real-IP: 4.4.4.4\r\nX-Scheme: https\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("4.4.4.4 https");
    // the next request on the same connection starts from the socket's values again
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("127.0.0.1 http");
  });

  it("walks X-Forwarded-For from the right past trustedDownstream; uses the last X-Forwarded-Proto", async () => {
    const { port } = await fx.serve(who, {
      xheaders: true,
      trustedDownstream: ["10.0.0.2", "10.0.0.3"],
    });
    const c = await fx.connect(port);
    await c.write(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4, 5.6.7.8, 10.0.0.2,10.0.0.3\r\nX-Forwarded-Proto: http, https\r\n\r\n",
    );
    expect((await c.readResponse()).body.toString()).toBe("5.6.7.8 https");
  });

  it("ignores invalid addresses and schemes", async () => {
    const { port } = await fx.serve(who, { xheaders: true });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\nX-Real-IP: not-an-ip\r\nX-Scheme: gopher\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("127.0.0.1 http");
  });

  it("ignores the headers without xheaders", async () => {
    const { port } = await fx.serve(who);
    const c = await fx.connect(port);
    await c.write(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Real-IP: 4.4.4.4\r\nX-Forwarded-Proto: https\r\n\r\n",
    );
    expect((await c.readResponse()).body.toString()).toBe("127.0.0.1 http");
  });
});
