// Delegates, timeouts, closeAllConnections, gzip, TLS, application errors — over real sockets.

import * as https from "node:https";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPHeaders, HTTPOutputError, type HTTPServerRequest } from "../src/index.js";
import { echoed, echoHandler, ServerFixture, sleep, tlsFixtures, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe("streaming delegates", () => {
  it("calls headersReceived, dataReceived*, finish in order and startRequest per request", async () => {
    const events: string[] = [];
    let closes = 0;
    const { port } = await fx.serve({
      startRequest: (_server, conn) => {
        events.push("start");
        return {
          headersReceived(line, headers) {
            events.push(`headers ${line.method} ${line.path} ${headers.get("X-N")}`);
          },
          dataReceived(chunk) {
            events.push(`data ${chunk.toString()}`);
          },
          finish() {
            events.push("finish");
            conn.writeHeaders({ code: 200 }, new HTTPHeaders(), "ok");
            conn.finish();
          },
          onConnectionClose() {
            events.push("close");
          },
        };
      },
      onClose: () => {
        closes++;
      },
    });
    const c = await fx.connect(port);
    await c.write(
      "POST /a HTTP/1.1\r\nHost: x\r\nX-N: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
    );
    await c.readResponse();
    await c.write("GET /b HTTP/1.1\r\nHost: x\r\nX-N: 2\r\n\r\n");
    await c.readResponse();
    c.destroy();
    await within(
      (async () => {
        while (closes === 0) await sleep(2);
      })(),
      2000,
      "onClose",
    );
    expect(events).toEqual([
      "start",
      "headers POST /a 1",
      "data abc",
      "finish",
      "start",
      "headers GET /b 2",
      "finish",
    ]);
  });

  it("calls onConnectionClose (not finish) when the client goes away mid-body", async () => {
    const events: string[] = [];
    const { port } = await fx.serve({
      startRequest: () => ({
        headersReceived() {
          events.push("headers");
        },
        dataReceived() {
          events.push("data");
        },
        finish() {
          events.push("finish");
        },
        onConnectionClose() {
          events.push("close");
        },
      }),
    });
    const c = await fx.connect(port);
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    await within(
      (async () => {
        while (!events.includes("data")) await sleep(2);
      })(),
      2000,
    );
    c.destroy();
    await within(
      (async () => {
        while (!events.includes("close")) await sleep(2);
      })(),
      2000,
      "onConnectionClose",
    );
    expect(events).toEqual(["headers", "data", "close"]);
  });

  it("waits for a Promise returned by headersReceived / dataReceived before reading on", async () => {
    const events: string[] = [];
    let release: (() => void) | null = null;
    const { port } = await fx.serve({
      startRequest: (_s, conn) => ({
        headersReceived() {
          events.push("headers");
          return new Promise<void>((r) => {
            release = r;
          });
        },
        dataReceived(chunk) {
          events.push(`data ${chunk.length}`);
        },
        finish() {
          events.push("finish");
          conn.writeHeaders({ code: 200 }, new HTTPHeaders(), "done");
          conn.finish();
        },
        onConnectionClose() {},
      }),
    });
    const c = await fx.connect(port);
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    await sleep(30);
    expect(events).toEqual(["headers"]);
    (release as unknown as () => void)();
    expect((await c.readResponse()).body.toString()).toBe("done");
    expect(events).toEqual(["headers", "data 3", "finish"]);
  });

  it("lets headersReceived lower the body limit with setMaxBodySize (413)", async () => {
    const { port } = await fx.serve({
      startRequest: (_s, conn) => ({
        headersReceived() {
          conn.setMaxBodySize(2);
        },
        dataReceived() {},
        finish() {},
        onConnectionClose() {},
      }),
    });
    const c = await fx.connect(port);
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    expect((await c.readResponse()).status).toBe(413);
  });

  it("detaches the stream after a 101 response; later bytes stay in the stream", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders(
        { code: 101, reason: "Switching Protocols" },
        new HTTPHeaders({ Upgrade: "echo", Connection: "Upgrade" }),
      );
      req.connection.finish();
      const stream = req.connection.detach();
      void (async () => {
        for (;;) {
          const line = await stream.readUntil("\n");
          await stream.write(Buffer.concat([Buffer.from("echo:"), line]));
        }
      })().catch(() => {});
    });
    const c = await fx.connect(port);
    await c.write(
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nfirst\n",
    );
    const r = await c.readResponse();
    expect(r.status).toBe(101);
    await within(
      (async () => {
        while (!c.peek().includes("echo:first\n")) await sleep(2);
      })(),
      2000,
      "echo",
    );
    await c.write("second\n");
    await within(
      (async () => {
        while (!c.peek().includes("echo:second\n")) await sleep(2);
      })(),
      2000,
      "echo 2",
    );
  });
});

describe("timeouts (one sweep per server)", () => {
  it("cuts a slow head with 408 after headerTimeoutMs", async () => {
    const { port, server } = await fx.serve(echoHandler, { headerTimeoutMs: 150 });
    expect(server.sweepIntervalMs).toBe(37);
    const c = await fx.connect(port);
    const t0 = Date.now();
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n");
    // Bounded at 10 s: the 408 comes from the 150 ms limit, not the 30 s default.
    const r = await c.readResponse(false, 10_000);
    expect(r.status).toBe(408);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await c.readUntilClose();
  });

  it("closes a connection that sends nothing after headerTimeoutMs", async () => {
    const { port } = await fx.serve(echoHandler, { headerTimeoutMs: 100 });
    const c = await fx.connect(port);
    expect(await c.readUntilClose(3000)).toBe("");
  });

  it("closes a keep-alive connection idle for idleConnectionTimeoutMs, not before", async () => {
    const { port } = await fx.serve(echoHandler, { idleConnectionTimeoutMs: 200 });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.readResponse();
    const t0 = Date.now();
    expect(await c.readUntilClose(3000)).toBe("");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
  });

  it("keeps a connection that stays busy under the idle timeout", async () => {
    const { port } = await fx.serve(echoHandler, { idleConnectionTimeoutMs: 150 });
    const c = await fx.connect(port);
    for (let i = 0; i < 6; i++) {
      await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await c.readResponse();
      await sleep(60);
    }
    expect(c.closed).toBe(false);
  });

  it("cuts a slow body after bodyTimeoutMs", async () => {
    let called = false;
    const { port } = await fx.serve(
      () => {
        called = true;
      },
      { bodyTimeoutMs: 150 },
    );
    const c = await fx.connect(port);
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    const r = await c.readResponse(false, 3000);
    expect(r.status).toBe(408);
    await c.readUntilClose();
    expect(called).toBe(false);
  });

  it("does not time out a request the application is still answering", async () => {
    const { port } = await fx.serve(
      (req) => {
        setTimeout(() => echoHandler(req), 250);
      },
      { headerTimeoutMs: 50, bodyTimeoutMs: 50, idleConnectionTimeoutMs: 50 },
    );
    const c = await fx.connect(port);
    await c.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(echoed(await c.readResponse()).uri).toBe("/slow");
  });
});

describe("closing", () => {
  it("closeAllConnections closes idle and busy connections", async () => {
    const { port, server } = await fx.serve(() => {
      /* never answers */
    });
    const a = await fx.connect(port);
    const b = await fx.connect(port);
    await b.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await within(
      (async () => {
        while (server.httpConnections.size < 2) await sleep(2);
      })(),
      2000,
    );
    await server.closeAllConnections();
    expect(server.httpConnections.size).toBe(0);
    await a.readUntilClose();
    await b.readUntilClose();
  });

  it("shutdown closes idle keep-alive connections at once and answers in-flight requests with Connection: close", async () => {
    let pending: HTTPServerRequest | null = null;
    const { port, server } = await fx.serve((req: HTTPServerRequest) => {
      if (req.path === "/slow") {
        pending = req;
        return;
      }
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "ok");
      req.connection.finish();
    });
    const idle = await fx.connect(port);
    await idle.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await idle.readResponse()).status).toBe(200);
    const busy = await fx.connect(port);
    await busy.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await within(
      (async () => {
        while (pending === null) await sleep(2);
      })(),
      2000,
    );
    // A deadline far beyond every wait below: finishing proves the connections closed by
    // themselves, not at the deadline.
    const done = server.shutdown({ deadlineMs: 120_000 });
    await within(idle.readUntilClose(), 10_000, "idle connection closing");
    const req = pending as unknown as HTTPServerRequest;
    req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "late");
    req.connection.finish();
    const res = await busy.readResponse();
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    await within(busy.readUntilClose(), 10_000, "busy connection closing");
    await within(done, 20_000, "shutdown");
    expect(server.httpConnections.size).toBe(0);
  });

  it("answers 500 and closes when the request callback throws; the error is logged", async () => {
    const { port } = await fx.serve(() => {
      throw new Error("boom");
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).status).toBe(500);
    await c.readUntilClose();
    expect(fx.problems().map((p) => p.msg)).toEqual(["Uncaught exception in HTTP request handler"]);
  });

  it("answers 500 when an async request callback rejects", async () => {
    const { port } = await fx.serve(async () => {
      await sleep(1);
      throw new Error("async boom");
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).status).toBe(500);
    expect(fx.problems()).toHaveLength(1);
  });

  it("rejects misuse of the response API with HTTPOutputError", async () => {
    const errors: string[] = [];
    const { port } = await fx.serve((req: HTTPServerRequest) => {
      const conn = req.connection;
      try {
        conn.write("x");
      } catch (e) {
        errors.push((e as HTTPOutputError).code);
      }
      if (req.path === "/204") {
        try {
          conn.writeHeaders({ code: 204 }, new HTTPHeaders(), "body");
          conn.finish();
        } catch (e) {
          errors.push((e as Error).message);
        }
        return;
      }
      conn.writeHeaders({ code: 200 }, new HTTPHeaders(), "ok");
      conn.finish();
      try {
        conn.finish();
      } catch (e) {
        errors.push((e as Error).name);
      }
      expect(() => new HTTPHeaders({ "X-Bad": "a\r\nInjected: 1" })).toThrow(TypeError);
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("ok");
    expect(errors).toEqual(["T_ERR_HTTP_OUTPUT", "HTTPOutputError"]);
    await c.write("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.readUntilClose();
    expect(errors.slice(2)).toEqual(["T_ERR_HTTP_OUTPUT", "a 204 response has no body"]);
  });

  it("closes the connection when fewer bytes than Content-Length were written", async () => {
    let thrown: unknown;
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders(
        { code: 200 },
        new HTTPHeaders({ "Content-Length": "10" }),
        "short",
      );
      try {
        req.connection.finish();
      } catch (e) {
        thrown = e;
      }
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.readUntilClose();
    expect(thrown).toBeInstanceOf(HTTPOutputError);
  });
});

describe("request bodies: gzip, forms, files", () => {
  it("decompresses gzip bodies with decompressRequest", async () => {
    const { port } = await fx.serve(echoHandler, { decompressRequest: true });
    const c = await fx.connect(port);
    const gz = gzipSync(Buffer.from("hello gzip world"));
    await c.write(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
        ),
        gz,
      ]),
    );
    const e = echoed(await c.readResponse());
    expect(e.body).toBe("hello gzip world");
    expect(e.headers).toContainEqual(["X-Consumed-Content-Encoding", "gzip"]);
    expect(e.headers.some(([n]) => n.toLowerCase() === "content-encoding")).toBe(false);
  });

  it("answers 400 to a malformed gzip body, 413 to one that inflates past maxBodySize", async () => {
    const { port } = await fx.serve(echoHandler, { decompressRequest: true, maxBodySize: 1000 });
    const c = await fx.connect(port);
    await c.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz",
    );
    expect((await c.readResponse()).status).toBe(400);
    const d = await fx.connect(port);
    const bomb = gzipSync(Buffer.alloc(100_000));
    await d.write(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
        ),
        bomb,
      ]),
    );
    expect((await d.readResponse()).status).toBe(413);
  });

  it("leaves gzip bodies alone without decompressRequest", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    const gz = gzipSync(Buffer.from("x"));
    await c.write(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
        ),
        gz,
      ]),
    );
    expect(Buffer.from(echoed(await c.readResponse()).body, "latin1").equals(gz)).toBe(true);
  });

  it("parses urlencoded and multipart bodies, files, query arguments and cookies (fetch FormData)", async () => {
    let seen: HTTPServerRequest | null = null;
    const { port } = await fx.serve((req) => {
      seen = req;
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "ok");
      req.connection.finish();
    });
    const form = new FormData();
    form.append("name", "Zoë");
    form.append("up", new Blob([Buffer.from("file-bytes")], { type: "text/plain" }), "a.txt");
    const res = await fetch(`http://127.0.0.1:${port}/f?q=1&q=2&e=`, {
      method: "POST",
      body: form,
      headers: { Cookie: 'sid=abc; theme="dark"' },
    });
    expect(res.status).toBe(200);
    const req = seen as unknown as HTTPServerRequest;
    expect(req.bodyArguments.name).toEqual(["Zoë"]);
    expect(req.files.up[0].filename).toBe("a.txt");
    expect(req.files.up[0].contentType).toBe("text/plain");
    expect(req.files.up[0].body.toString()).toBe("file-bytes");
    expect(req.queryArguments).toEqual({ q: ["1", "2"], e: [""] });
    expect(req.arguments.name).toEqual(["Zoë"]);
    expect(req.cookies).toEqual({ sid: "abc", theme: "dark" });
    const res2 = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      body: new URLSearchParams({ a: "1 2", b: "ü" }),
    });
    expect(res2.status).toBe(200);
    expect((seen as unknown as HTTPServerRequest).bodyArguments).toEqual({ a: ["1 2"], b: ["ü"] });
  });

  it("answers 400 to a malformed multipart body once the callback reads its arguments", async () => {
    const { port } = await fx.serve((req) => {
      void req.bodyArguments; // parsing happens here, not before the callback
      echoHandler(req);
    });
    const c = await fx.connect(port);
    const body = "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nvalue\r\n";
    await c.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect((await c.readResponse()).status).toBe(400);
  });

  it("never parses a body the callback does not read (no work before the handler asks)", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    const body = "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nvalue\r\n";
    await c.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const r = await c.readResponse();
    expect(r.status).toBe(200);
    expect(echoed(r).body).toBe(body);
  });
});

describe("TLS", () => {
  it("serves HTTPS with the ssl option; protocol is https", async () => {
    const { port } = await fx.serve(echoHandler, {
      ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert },
    });
    const agent = new https.Agent({ ca: tlsFixtures.ca, keepAlive: true });
    const get = (path: string) =>
      within(
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const r = https.get(
            { host: "127.0.0.1", port, path, agent, servername: "localhost" },
            (res) => {
              let body = "";
              res.setEncoding("utf8");
              res.on("data", (d) => {
                body += d;
              });
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          r.on("error", reject);
        }),
        5000,
        "https",
      );
    const a = await get("/one");
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ uri: "/one", protocol: "https" });
    const b = await get("/two");
    expect(JSON.parse(b.body).uri).toBe("/two");
    agent.destroy();
  });
});
