// One message path: the state table, the gzip wrapper delegate's flow control, the request-callback adapter, xheaders, start times.

import { AssertionError } from "node:assert";
import { AsyncResource } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { ConnectionSweeper as IOStreamConnectionSweeper } from "@t/iostream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GzipRequestDelegate } from "../src/gzip-request-delegate.js";
import { connectionTransitionAllowed } from "../src/http1-server-connection.js";
import {
  ConnectionSweeper,
  HTTPHeaders,
  HTTPInputError,
  type HTTPMessageDelegate,
  type HTTPServerDelegate,
  HTTPServerRequest,
  type RequestStartLine,
  sweepIntervalFor,
} from "../src/index.js";
import { invariant } from "../src/invariant.js";
import { forwardedProtocol, forwardedRemoteIp } from "../src/xheaders.js";
import { ServerFixture, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

const START: RequestStartLine = { method: "POST", path: "/", version: "HTTP/1.1" };

describe("the connection's state table", () => {
  it("allows the request cycle, upgrades and the ends, and nothing else", () => {
    const cycle = ["IDLE", "HEAD", "BODY_LENGTH", "RESPONSE", "IDLE"];
    for (let i = 1; i < cycle.length; i++) {
      expect(connectionTransitionAllowed(cycle[i - 1], cycle[i])).toBe(true);
    }
    expect(connectionTransitionAllowed("HEAD", "BODY_CHUNKED")).toBe(true);
    expect(connectionTransitionAllowed("RESPONSE", "SWITCHED")).toBe(true);
    for (const from of ["IDLE", "HEAD", "BODY_LENGTH", "RESPONSE", "SWITCHED"]) {
      expect(connectionTransitionAllowed(from, "CLOSING")).toBe(true);
      expect(connectionTransitionAllowed(from, "CLOSED")).toBe(true);
      expect(connectionTransitionAllowed(from, "DETACHED")).toBe(true);
    }
    // A request is never skipped, re-entered or resumed after the end.
    expect(connectionTransitionAllowed("IDLE", "RESPONSE")).toBe(false);
    expect(connectionTransitionAllowed("HEAD", "IDLE")).toBe(false);
    expect(connectionTransitionAllowed("BODY_LENGTH", "IDLE")).toBe(false);
    expect(connectionTransitionAllowed("RESPONSE", "RESPONSE")).toBe(false);
    expect(connectionTransitionAllowed("SWITCHED", "IDLE")).toBe(false);
    expect(connectionTransitionAllowed("CLOSING", "IDLE")).toBe(false);
    expect(connectionTransitionAllowed("CLOSED", "CLOSING")).toBe(false);
    expect(connectionTransitionAllowed("DETACHED", "CLOSED")).toBe(false);
    expect(() => connectionTransitionAllowed("IDLE", "NOPE")).toThrow(RangeError);
  });

  it("an invariant that fails throws Node's AssertionError naming it", () => {
    expect(() => invariant(true, "holds")).not.toThrow();
    let caught: unknown;
    try {
      invariant(null, "a request head without its exchange");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AssertionError);
    expect((caught as AssertionError).code).toBe("ERR_ASSERTION");
    expect((caught as Error).message).toMatch(
      /internal error: a request head without its exchange/,
    );
  });
});

/** A delegate that records what it gets; `dataGate` (when set) is awaited by each dataReceived. */
class Recorder implements HTTPMessageDelegate {
  pieces: Buffer[] = [];
  headers: HTTPHeaders | null = null;
  finished = 0;
  closed = 0;
  dataGate: Promise<void> | null = null;
  headersReceived(_start: RequestStartLine, headers: HTTPHeaders): void {
    this.headers = headers;
  }
  dataReceived(chunk: Buffer): void | Promise<void> {
    this.pieces.push(chunk);
    return this.dataGate ?? undefined;
  }
  finish(): void {
    this.finished++;
  }
  onConnectionClose(): void {
    this.closed++;
  }
  get bytes(): number {
    return this.pieces.reduce((a, b) => a + b.length, 0);
  }
}

function wrap(inner: HTTPMessageDelegate, maxOutput = 1 << 30, chunkSize = 4096) {
  return new GzipRequestDelegate(inner, maxOutput, chunkSize, new AsyncResource("test"));
}

describe("GzipRequestDelegate", () => {
  it("renames Content-Encoding and hands the wrapped delegate the inflated body in pieces", async () => {
    const inner = new Recorder();
    const g = wrap(inner);
    const headers = new HTTPHeaders({ "Content-Encoding": "gzip", Host: "x" });
    g.headersReceived(START, headers);
    expect(inner.headers?.get("Content-Encoding")).toBeUndefined();
    expect(inner.headers?.get("X-Consumed-Content-Encoding")).toBe("gzip");
    const body = Buffer.alloc(100_000, 0x61);
    const wait = g.dataReceived(gzipSync(body));
    if (wait) await within(Promise.resolve(wait));
    await within(Promise.resolve(g.finish()));
    expect(inner.finished).toBe(1);
    expect(Buffer.concat(inner.pieces).equals(body)).toBe(true);
    expect(Math.max(...inner.pieces.map((p) => p.length))).toBeLessThanOrEqual(4096);
  });

  it("flow control: dataReceived returns a Promise while zlib holds input, and a slow wrapped delegate pauses inflating", async () => {
    const inner = new Recorder();
    const slow = gate();
    inner.dataGate = slow.promise;
    const g = wrap(inner);
    g.headersReceived(START, new HTTPHeaders());
    // Incompressible input larger than zlib's input buffer: it cannot all be taken at once.
    const body = randomBytes(200_000);
    const wait = g.dataReceived(gzipSync(body));
    expect(wait).toBeInstanceOf(Promise);
    let fed = false;
    void (wait as Promise<void>).then(() => {
      fed = true;
    });
    // The first inflated piece reached the wrapped delegate, which holds it: nothing follows.
    await within(
      (async () => {
        while (inner.pieces.length === 0) await new Promise((r) => setImmediate(r));
      })(),
    );
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(inner.pieces.length).toBe(1);
    expect(fed).toBe(false);
    inner.dataGate = null;
    slow.open();
    await within(wait as Promise<void>);
    await within(Promise.resolve(g.finish()));
    expect(inner.finished).toBe(1);
    expect(Buffer.concat(inner.pieces).equals(body)).toBe(true);
  });

  it("finish rejects with 413 past the output cap and with 400 for a corrupt body; the wrapped delegate never finishes", async () => {
    const inner = new Recorder();
    const g = wrap(inner, 10_000);
    g.headersReceived(START, new HTTPHeaders());
    const wait = g.dataReceived(gzipSync(Buffer.alloc(1_000_000)));
    const big = await within(
      Promise.resolve(wait)
        .then(() => g.finish())
        .then(
          () => null,
          (err: unknown) => err,
        ),
    );
    expect(big).toBeInstanceOf(HTTPInputError);
    expect((big as HTTPInputError).statusCode).toBe(413);
    expect(inner.finished).toBe(0);

    const inner2 = new Recorder();
    const bad = wrap(inner2);
    bad.headersReceived(START, new HTTPHeaders());
    await Promise.resolve(bad.dataReceived(Buffer.from("this is not gzip at all")));
    const err = await within(
      Promise.resolve()
        .then(() => bad.finish())
        .then(
          () => null,
          (e: unknown) => e,
        ),
    );
    expect((err as HTTPInputError).statusCode).toBe(400);
    expect(inner2.finished).toBe(0);
  });

  it("a close while the body still inflates after finish tells the wrapped delegate once", async () => {
    const inner = new Recorder();
    const slow = gate();
    inner.dataGate = slow.promise;
    const g = wrap(inner);
    g.headersReceived(START, new HTTPHeaders());
    void g.dataReceived(gzipSync(Buffer.alloc(50_000, 0x62)));
    const finishing = Promise.resolve(g.finish());
    g.onConnectionClose();
    g.onConnectionClose();
    slow.open();
    expect(inner.closed).toBe(1);
    expect(inner.finished).toBe(0);
    void finishing;
  });
});

describe("the request-callback adapter", () => {
  it("gives a body of a declared length as one exact buffer", async () => {
    let body: Buffer | null = null;
    const { port } = await fx.serve((req) => {
      body = req.body;
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), `${req.body.length}`);
      req.connection.finish();
    });
    const c = await fx.connect(port);
    const n = 200_000;
    await c.write(
      Buffer.concat([
        Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${n}\r\n\r\n`),
        Buffer.alloc(n, 0x7a),
      ]),
    );
    expect((await c.readResponse()).body.toString()).toBe(`${n}`);
    const got = body as unknown as Buffer;
    expect(got.length).toBe(n);
    expect(got.buffer.byteLength).toBe(n);
    expect(got.every((b) => b === 0x7a)).toBe(true);
  });

  it("gives the requests parsed from one batch the same startTime, from the clock of that batch", async () => {
    const starts: number[] = [];
    const before = performance.timeOrigin + performance.now();
    const { port } = await fx.serve((req) => {
      starts.push(req.startTime);
      req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "ok");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.readResponse();
    await c.readResponse();
    expect(starts).toHaveLength(2);
    expect(starts[1]).toBe(starts[0]);
    expect(starts[0]).toBeGreaterThanOrEqual(before);
    expect(new HTTPServerRequest({ startTime: 1234.5 }).startTime).toBe(1234.5);
  });
});

describe("a delegate's finish may return a Promise", () => {
  it("the next pipelined request waits for it; a rejection is logged and closes the connection", async () => {
    const started: string[] = [];
    const slow = gate();
    const delegate: HTTPServerDelegate = {
      startRequest: (_s, conn) => {
        let path = "";
        return {
          headersReceived(start) {
            path = start.path;
            started.push(path);
          },
          dataReceived() {},
          async finish() {
            conn.writeHeaders({ code: 200 }, new HTTPHeaders(), path);
            conn.finish();
            if (path === "/slow") await slow.promise;
            if (path === "/fail") throw new Error("late failure");
          },
          onConnectionClose() {},
        };
      },
    };
    const { port } = await fx.serve(delegate);
    const c = await fx.connect(port);
    await c.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe("/slow");
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["/slow"]);
    slow.open();
    expect((await c.readResponse()).body.toString()).toBe("/next");
    expect(started).toEqual(["/slow", "/next"]);

    const d = await fx.connect(port);
    await d.write("GET /fail HTTP/1.1\r\nHost: x\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await d.readResponse()).body.toString()).toBe("/fail");
    await d.readUntilClose();
    expect(started).not.toContain("/never");
    expect(fx.problems().map((p) => p.msg)).toEqual(["Uncaught exception in HTTP request handler"]);
  });
});

describe("xheaders", () => {
  it("take the client's address and scheme from trusted proxy headers, as pure functions", () => {
    const trusted = new Set(["10.0.0.1"]);
    const h = new HTTPHeaders({ "X-Forwarded-For": "1.2.3.4, 10.0.0.1", "X-Scheme": "https" });
    expect(forwardedRemoteIp(h, "127.0.0.1", trusted)).toBe("1.2.3.4");
    expect(forwardedRemoteIp(h, "127.0.0.1", new Set())).toBe("10.0.0.1");
    expect(forwardedRemoteIp(new HTTPHeaders({ "X-Real-Ip": "::1" }), "1.1.1.1", trusted)).toBe(
      "::1",
    );
    expect(forwardedRemoteIp(new HTTPHeaders({ "X-Real-Ip": "nope" }), "1.1.1.1", trusted)).toBe(
      "1.1.1.1",
    );
    expect(forwardedProtocol(h, "http")).toBe("https");
    expect(forwardedProtocol(new HTTPHeaders({ "X-Forwarded-Proto": "http, https" }), "http")).toBe(
      "https",
    );
    expect(forwardedProtocol(new HTTPHeaders({ "X-Forwarded-Proto": "gopher" }), "http")).toBe(
      "http",
    );
    expect(h.get("X-Forwarded-For")).toBe("1.2.3.4, 10.0.0.1");
  });
});

describe("compatibility", () => {
  it("ConnectionSweeper and sweepIntervalFor are @t/iostream's", () => {
    expect(ConnectionSweeper).toBe(IOStreamConnectionSweeper);
    expect(sweepIntervalFor(30_000, 0, 200)).toBe(50);
  });
});
