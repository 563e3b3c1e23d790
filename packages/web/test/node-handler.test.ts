import express from "express";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mountNodeHandler, NodeHandlerContainer, RequestHandler } from "../src/index.js";
import { rawRequest, WebFixture } from "./helpers.js";

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

class Native extends RequestHandler {
  override get() {
    this.write("native");
  }
}

function makeExpressApp() {
  const app = express();
  app.use(express.json({ limit: "1mb" }));
  app.get("/express/hello", (req, res) => {
    res.set("X-Custom", "yes");
    res.cookie("sid", "abc", { httpOnly: true });
    res.send(`hello ${String(req.query.name)} from ${req.ip}`);
  });
  app.post("/express/echo", (req, res) => {
    res.status(201).json({ got: req.body, type: req.get("content-type") });
  });
  app.get("/express/stream", (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("a");
    setTimeout(() => {
      res.write("b");
      res.end("c");
    }, 10);
  });
  app.get("/express/params/:id", (req, res) => {
    res.json({ id: req.params.id, secure: req.secure, protocol: req.protocol });
  });
  app.get("/express/boom", () => {
    throw new Error("express boom");
  });
  return app;
}

describe("mounting a Node (req, res) handler", () => {
  it("runs an Express app inside the server next to native handlers", async () => {
    const app = makeExpressApp();
    await fx.serve([
      ["/native", Native],
      ["/express/.*", mountNodeHandler(app)],
    ]);
    expect(await (await fx.fetch("/native")).text()).toBe("native");
    const res = await fx.fetch("/express/hello?name=ann");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello ann from 127.0.0.1");
    expect(res.headers.get("x-custom")).toBe("yes");
    expect(res.headers.get("x-powered-by")).toBe("Express");
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.getSetCookie()).toEqual(["sid=abc; Path=/; HttpOnly"]);
    expect(res.headers.get("etag")).toMatch(/^W\//);
    await fx.waitFor(() => fx.logger.entries.some((e) => /^200 GET \/express\/hello/.test(e.msg)));
  });

  it("checks XSRF on POSTs to the mounted app (header token), unless mounted with skipXsrfCheck", async () => {
    class Token extends RequestHandler {
      override get() {
        this.write(this.xsrfToken);
      }
    }
    await fx.serve(
      [
        ["/token", Token],
        ["/express/.*", mountNodeHandler(makeExpressApp())],
        ["/open/.*", NodeHandlerContainer, { handler: makeExpressApp(), skipXsrfCheck: true }],
      ],
      { xsrfCookies: true },
    );
    const t = await fx.fetch("/token");
    const token = await t.text();
    const cookie = (t.headers.getSetCookie()[0] ?? "").split(";")[0];
    const json = { "Content-Type": "application/json" };
    const denied = await fx.fetch("/express/echo", { method: "POST", headers: json, body: "{}" });
    expect(denied.status).toBe(403);
    await denied.text();
    fx.logger.expect("warn", /403 POST|_xsrf/);
    const allowed = await fx.fetch("/express/echo", {
      method: "POST",
      headers: { ...json, Cookie: cookie, "X-Xsrftoken": token },
      body: '{"a":1}',
    });
    expect(allowed.status).toBe(201);
    await allowed.text();
    // The skipping mount is reached without a token (the app itself answers 404 for /open/x).
    const open = await fx.fetch("/open/x", { method: "POST", headers: json, body: "{}" });
    expect(open.status).toBe(404);
    await open.text();
    fx.logger.expect("warn", /^404 POST \/open\/x/);
  });

  it("streams the request body into Express's body parser", async () => {
    await fx.serve([["/express/.*", NodeHandlerContainer, { handler: makeExpressApp() }]]);
    const payload = { a: [1, 2, 3], s: "x".repeat(200_000) };
    const res = await fx.fetch("/express/echo", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ got: payload, type: "application/json" });
  });

  it("supports writeHead + write + end over time (chunked) and route params", async () => {
    await fx.serve([["/express/.*", mountNodeHandler(makeExpressApp())]]);
    const res = await fx.fetch("/express/stream");
    expect(await res.text()).toBe("abc");
    const raw = await rawRequest(
      fx.port,
      "GET /express/stream HTTP/1.1\r\nHost: x\r\n\r\n",
      /0\r\n\r\n$/,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toContain("Transfer-Encoding: chunked");
    const p = await fx.fetch("/express/params/42");
    expect(await p.json()).toEqual({ id: "42", secure: false, protocol: "http" });
  });

  it("lets Express answer its own 404 and 500", async () => {
    await fx.serve([["/express/.*", mountNodeHandler(makeExpressApp())]]);
    const a = await fx.fetch("/express/missing");
    expect(a.status).toBe(404);
    expect(await a.text()).toContain("Cannot GET /express/missing");
    const b = await fx.fetch("/express/boom");
    expect(b.status).toBe(500);
    await b.text();
    fx.logger.expect("warn", /^404 GET \/express\/missing/);
    fx.logger.expect("error", /^500 GET \/express\/boom/);
  });

  it("answers HEAD without a body and keeps the connection usable", async () => {
    await fx.serve([["/express/.*", mountNodeHandler(makeExpressApp())]]);
    const out = await rawRequest(
      fx.port,
      "HEAD /express/hello?name=x HTTP/1.1\r\nHost: x\r\n\r\nGET /express/params/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    const parts = out.split("HTTP/1.1 200 OK");
    expect(parts.length).toBe(3);
    expect(parts[1]).toMatch(/Content-Length: 22\r\n/);
    expect(parts[1].endsWith("\r\n\r\n")).toBe(true);
    expect(parts[2]).toContain('{"id":"7"');
  });

  it("rejects a handler that is not a function", () => {
    expect(() => mountNodeHandler(5 as never)).toThrow(TypeError);
  });
});

describe("Node handler flow control", () => {
  it("pauses the upload while the Node handler does not read, then delivers every byte", async () => {
    const size = 4 * 1024 * 1024;
    let seenWhilePaused = -1;
    const listener = (
      req: import("node:http").IncomingMessage,
      res: import("node:http").ServerResponse,
    ) => {
      let n = 0;
      req.pause();
      setTimeout(() => {
        seenWhilePaused = req.readableLength;
        req.on("data", (d: Buffer) => {
          n += d.length;
        });
        req.on("end", () => res.end(String(n)));
        req.resume();
      }, 200);
    };
    await fx.serve([["/up", mountNodeHandler(listener)]], {}, { maxBodySize: 64 * 1024 * 1024 });
    const res = await fx.fetch("/up", { method: "PUT", body: Buffer.alloc(size, 7) });
    expect(await res.text()).toBe(String(size));
    // Only about one high-water mark was buffered while the handler was not reading.
    expect(seenWhilePaused).toBeGreaterThan(0);
    expect(seenWhilePaused).toBeLessThan(size / 4);
  });
});
