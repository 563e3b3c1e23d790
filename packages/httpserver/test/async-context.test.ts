// Every request runs in a fresh async context, a child of the server's: AsyncLocalStorage values
// set in one request (run or enterWith) never reach another, on keep-alive and pipelined
// connections alike, and survive the request's own awaits.

import { AsyncLocalStorage } from "node:async_hooks";
import tls from "node:tls";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPHeaders, type HTTPServerRequest } from "../src/index.js";
import { ServerFixture, tlsFixtures, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

function reply(req: HTTPServerRequest, body: string): void {
  req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), body);
  req.connection.finish();
}

describe("async context per request", () => {
  it("a pipelined request never sees what the previous one entered", async () => {
    const als = new AsyncLocalStorage<string>();
    const { port } = await als.run("server", () =>
      fx.serve((req) => {
        const seen = als.getStore() ?? "none";
        als.enterWith(`set by ${req.uri}`); // must stay inside this request
        reply(req, seen);
      }),
    );
    const c = await fx.connect(port);
    await c.write(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push((await c.readResponse()).body.toString());
    expect(bodies).toEqual(["server", "server", "server"]);
    // Keep-alive, one request at a time: the same.
    await c.write("GET /d HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("server");
  });

  it("pipelined requests finished after an await never see what the previous one entered", async () => {
    // The next request is then parsed from inside the previous one's continuation, not from a
    // read event: its context must still be a fresh child of the server's.
    const als = new AsyncLocalStorage<string>();
    const { port } = await als.run("server", () =>
      fx.serve(async (req) => {
        const before = als.getStore() ?? "none";
        als.enterWith(`sync ${req.uri}`);
        await new Promise((r) => fx.loop.callLater(1, r));
        const after = als.getStore() ?? "none";
        als.enterWith(`async ${req.uri}`); // in the continuation that finishes the request
        reply(req, `${before}|${after}`);
      }),
    );
    const c = await fx.connect(port);
    await c.write(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push((await c.readResponse()).body.toString());
    expect(bodies).toEqual(["server|sync /a", "server|sync /b", "server|sync /c"]);
  });

  it("a storage first used inside a later request on a keep-alive connection stays in it", async () => {
    // While no AsyncLocalStorage holds anything the server may run consecutive requests in one
    // scope; the first store must end that.
    const als = new AsyncLocalStorage<string>();
    const { port } = await fx.serve((req) => {
      const seen = als.getStore() ?? "none";
      if (req.uri === "/enter") als.enterWith("entered");
      reply(req, seen);
    });
    const c = await fx.connect(port);
    const bodies = [];
    for (const path of ["/a", "/b", "/enter", "/c", "/d"]) {
      await c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      bodies.push((await c.readResponse()).body.toString());
    }
    expect(bodies).toEqual(["none", "none", "none", "none", "none"]);
  });

  it("over TLS too: many pipelined requests, none starts in an earlier one's context", async () => {
    // A TLS stream delivers through its socket's events, which a resume may schedule from an
    // earlier request's context (review finding): every request must still start clean.
    const als = new AsyncLocalStorage<string>();
    const { port } = await fx.serve(
      (req) => {
        const seen = als.getStore() ?? "none";
        als.enterWith(`set by ${req.uri}`);
        req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), `${seen}|`);
        req.connection.finish();
      },
      { ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert } },
    );
    const sock = tls.connect({
      port,
      host: "127.0.0.1",
      ca: tlsFixtures.ca,
      servername: "localhost",
    });
    fx.track({ close: () => sock.destroy() });
    await new Promise((r) => sock.once("secureConnect", r));
    const n = 2000;
    let text = "";
    sock.setEncoding("latin1");
    const done = new Promise<void>((resolve) => {
      sock.on("data", (d: string) => {
        text += d;
        if (text.split("|").length - 1 >= n) resolve();
      });
    });
    const pad = `X-Pad: ${"p".repeat(100)}\r\n`;
    let batch = "";
    for (let i = 0; i < n; i++) batch += `GET /r${i} HTTP/1.1\r\nHost: x\r\n${pad}\r\n`;
    sock.write(batch);
    await within(done, 60_000, "the TLS responses");
    const seen = [...text.matchAll(/\r\n\r\n([^|]*)\|/g)].map((m) => m[1]);
    expect(seen).toHaveLength(n);
    expect(seen.filter((v) => v !== "none")).toEqual([]);
  });

  it("interleaved async requests on many connections each keep their own value", async () => {
    const als = new AsyncLocalStorage<string>();
    const { port } = await fx.serve(async (req) => {
      als.enterWith(req.uri);
      // Finish in another order than the requests arrived (timers on the server's loop).
      const delayMs = 1 + (Number(req.uri.slice(1)) % 5);
      await new Promise((r) => fx.loop.callLater(delayMs, r));
      await Promise.resolve();
      reply(req, als.getStore() ?? "lost");
    });
    const clients = await Promise.all(Array.from({ length: 8 }, () => fx.connect(port)));
    const results = await Promise.all(
      clients.map(async (c, i) => {
        const out: string[] = [];
        for (let k = 0; k < 4; k++) {
          const uri = `/${i * 10 + k}`;
          await c.write(`GET ${uri} HTTP/1.1\r\nHost: x\r\n\r\n`);
          out.push(`${uri}=${(await c.readResponse()).body.toString()}`);
        }
        return out;
      }),
    );
    for (const [i, out] of results.entries()) {
      expect(out).toEqual([0, 1, 2, 3].map((k) => `/${i * 10 + k}=/${i * 10 + k}`));
    }
  });

  it("a streaming delegate's calls of one request share its context, and the next starts fresh", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: string[] = [];
    const { port } = await fx.serve({
      startRequest: (_server, conn) => ({
        headersReceived(start) {
          seen.push(`headers ${start.path}: ${als.getStore() ?? "none"}`);
          als.enterWith(start.path);
        },
        dataReceived() {
          seen.push(`data: ${als.getStore() ?? "none"}`);
        },
        finish() {
          seen.push(`finish: ${als.getStore() ?? "none"}`);
          conn.writeHeaders({ code: 200 }, new HTTPHeaders(), "ok");
          conn.finish();
        },
        onConnectionClose() {},
      }),
    });
    const c = await fx.connect(port);
    await c.write("POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    await c.readResponse();
    await c.write("GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.readResponse();
    expect(seen).toEqual([
      "headers /one: none",
      "data: /one",
      "finish: /one",
      "headers /two: none",
      "finish: /two",
    ]);
  });
});
