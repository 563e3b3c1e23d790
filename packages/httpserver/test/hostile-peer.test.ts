// Hostile peers against default limits: each test reproduces a finding of the 2026-12 security
// review against a real server on 127.0.0.1 and asserts the bound (counts, bytes, closes).

import { execFile } from "node:child_process";
import * as net from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BodyAccumulator,
  HTTPHeaders,
  type HTTPMessageDelegate,
  type HTTPServerDelegate,
  type HTTPServerRequest,
} from "../src/index.js";
import { echoed, echoHandler, ServerFixture, sleep, within } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap bytes in use after a full collection. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Resolve once `predicate()` holds, polling on the event loop; rejects after `timeoutMs`. */
async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  await within(
    (async () => {
      while (!predicate()) await sleep(5);
    })(),
    timeoutMs,
    what,
  );
}

/** Let the loop run a number of turns (I/O included) without measuring time. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function ok(req: HTTPServerRequest, body: string | Buffer = "ok"): void {
  req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), body);
  req.connection.finish();
}

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe("finding 1: tiny chunks are coalesced", () => {
  it("a delegate gets one dataReceived per read batch, not one per chunk", async () => {
    let calls = 0;
    let bytes = 0;
    const delegate: HTTPServerDelegate = {
      startRequest: (_s, conn) =>
        ({
          headersReceived() {},
          dataReceived(chunk: Buffer) {
            calls++;
            bytes += chunk.length;
          },
          finish() {
            conn.writeHeaders({ code: 200 }, new HTTPHeaders(), `${bytes}`);
            conn.finish();
          },
          onConnectionClose() {},
        }) satisfies HTTPMessageDelegate,
    };
    const { port } = await fx.serve(delegate);
    const c = await fx.connect(port);
    const chunks = 100_000;
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    const piece = Buffer.from("1\r\nx\r\n".repeat(10_000));
    for (let i = 0; i < chunks / 10_000; i++) await c.write(piece);
    await c.write("0\r\n\r\n");
    const r = await c.readResponse(false, 20_000);
    expect(r.body.toString()).toBe(String(chunks));
    // 600 kB on the wire arrives in a handful of reads of up to 64 KiB; one call per chunk
    // would be 100 000 calls.
    expect(calls).toBeLessThan(chunks / 100);
  });

  it("a million one-byte chunks hold about their payload in memory, not a Buffer each", async () => {
    let seen: HTTPServerRequest | null = null;
    const { port, server } = await fx.serve((req) => {
      seen = req;
      ok(req, `${req.body.length}`);
    });
    const c = await fx.connect(port);
    await c.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    const before = heapAfterGc();
    const piece = Buffer.from("1\r\nx\r\n".repeat(50_000));
    const rounds = 20; // 1 000 000 chunks, 6 MB on the wire, 1 MB of body
    for (let i = 0; i < rounds; i++) await c.write(piece);
    // Wait until the server has read everything sent (its stream buffer is empty and the
    // connection still waits for the last chunk).
    const conn = [...server.httpConnections][0];
    await until(() => conn.stream.readBufferSize === 0 && c.socket.writableLength === 0, "read");
    await turns(20);
    const held = heapAfterGc() - before;
    // One Buffer per chunk cost ~100 MB here; one growable buffer costs ~2 MB.
    expect(held).toBeLessThan(24 * 1024 * 1024);
    await c.write("0\r\n\r\n");
    const r = await c.readResponse(false, 20_000);
    expect(r.body.toString()).toBe("1000000");
    expect((seen as unknown as HTTPServerRequest).body.every((b) => b === 0x78)).toBe(true);
  });

  it("BodyAccumulator returns the bytes in one Buffer at most twice their length", () => {
    const acc = new BodyAccumulator();
    acc.reset();
    const src = Buffer.from("abcdefghij");
    for (let i = 0; i < 100_000; i++) acc.append(src, i % 10, (i % 10) + 1);
    const out = acc.take();
    expect(out.length).toBe(100_000);
    expect(out.buffer.byteLength).toBeLessThanOrEqual(2 * 100_000 + 8192);
    expect(out.subarray(0, 10).toString()).toBe("abcdefghij");
    expect(acc.take().length).toBe(0);
  });
});

describe("finding 2: form bodies are parsed lazily, linearly and with limits", () => {
  const form = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join("&");

  it("does not parse a form body the request callback never reads", async () => {
    let parsed = false;
    const { port } = await fx.serve((req) => {
      parsed = Object.keys(req.queryArguments).length > 0;
      ok(req, `${req.body.length}`);
    });
    const c = await fx.connect(port);
    const body = form(50_000); // past maxArguments, but nobody asks
    await c.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const r = await c.readResponse();
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(String(body.length));
    expect(parsed).toBe(false);
  });

  it("answers 413 past maxArguments once the callback reads the arguments", async () => {
    const { port } = await fx.serve((req) => ok(req, `${Object.keys(req.bodyArguments).length}`));
    const c = await fx.connect(port);
    const within1000 = form(1000);
    await c.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${within1000.length}\r\n\r\n${within1000}`,
    );
    expect((await c.readResponse()).body.toString()).toBe("1000");
    const over = form(1001);
    await c.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${over.length}\r\n\r\n${over}`,
    );
    const r = await c.readResponse();
    expect(r.status).toBe(413);
    await c.readUntilClose();
  });

  it("holds urlencoded bodies to maxFormBodySize and multipart to maxMultipartBodySize", async () => {
    const { port } = await fx.serve(echoHandler, {
      maxFormBodySize: 1000,
      maxMultipartBodySize: 5000,
    });
    const send = async (ctype: string, length: number) => {
      const c = await fx.connect(port);
      // Only the head: the limit applies before any body byte is read.
      await c.write(
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${ctype}\r\nContent-Length: ${length}\r\n\r\n`,
      );
      return (await c.readResponse()).status;
    };
    expect(await send("application/x-www-form-urlencoded", 1001)).toBe(413);
    expect(await send("multipart/form-data; boundary=b", 5001)).toBe(413);
    const c = await fx.connect(port);
    await c.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 5001\r\n\r\n${"z".repeat(5001)}`,
    );
    expect((await c.readResponse()).status).toBe(200); // raw bodies keep maxBodySize
  });

  it("caps multipart parts and part header sizes (Tornado 6.5 defaults)", async () => {
    const { port } = await fx.serve((req) => ok(req, `${Object.keys(req.bodyArguments).length}`));
    const part = (i: number, extra = "") =>
      `--b\r\nContent-Disposition: form-data; name="f${i}"${extra}\r\n\r\nv\r\n`;
    const post = async (body: string) => {
      const c = await fx.connect(port);
      await c.write(
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return c.readResponse();
    };
    const hundred = `${Array.from({ length: 100 }, (_, i) => part(i)).join("")}--b--\r\n`;
    expect((await post(hundred)).body.toString()).toBe("100");
    const tooMany = `${Array.from({ length: 101 }, (_, i) => part(i)).join("")}--b--\r\n`;
    expect((await post(tooMany)).status).toBe(413);
    const bigHeader = `${part(0, `; x="${"a".repeat(11 * 1024)}"`)}--b--\r\n`;
    expect((await post(bigHeader)).status).toBe(413);
  });
});

describe("finding 3: pipelined requests wait for the previous responses to drain", () => {
  it("stops reading requests while a client that does not read has responses queued", async () => {
    const big = Buffer.alloc(32 * 1024, 0x61); // sent by reference, so the bug costs no memory here
    let handled = 0;
    const { port, server } = await fx.serve((req) => {
      handled++;
      ok(req, big);
    });
    const n = 2000;
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.pause(); // never reads until told
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(n));
    await until(() => {
      const conn = [...server.httpConnections][0];
      return conn?.stream.writing() === true;
    }, "a blocked write");
    await turns(50);
    // Kernel buffers take a few MB (~100 responses); without backpressure all 2000 were
    // answered into the write queue at once.
    expect(handled).toBeLessThan(1000);
    // Nothing is lost: reading again gets every response.
    let received = 0;
    socket.on("data", (d: Buffer) => {
      received += d.length;
    });
    socket.resume();
    await until(() => received >= n * big.length, "all responses", 60_000);
    expect(handled).toBe(n);
    socket.destroy();
  });
});

describe("finding 4: a Transfer-Encoding set by the application is framed by the server", () => {
  const injected =
    "0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\npwned";

  it("chunk-encodes a body declared `chunked` so a payload cannot split the response", async () => {
    const { port } = await fx.serve((req) => {
      if (req.path === "/echo") {
        req.connection.writeHeaders(
          { code: 200 },
          new HTTPHeaders({ "Transfer-Encoding": "chunked", "Content-Length": "3" }),
          injected,
        );
      } else {
        req.connection.writeHeaders({ code: 200 }, new HTTPHeaders(), "second");
      }
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET /echo HTTP/1.1\r\nHost: x\r\n\r\nGET /hi HTTP/1.1\r\nHost: x\r\n\r\n");
    const first = await c.readResponse();
    expect(first.body.toString()).toBe(injected);
    expect(first.headers.get("Content-Length")).toBeUndefined();
    const second = await c.readResponse();
    expect(second.body.toString()).toBe("second");
  });

  it("chunk-encodes a streamed body declared `chunked` and ends it", async () => {
    const { port } = await fx.serve(async (req) => {
      req.connection.writeHeaders(
        { code: 200 },
        new HTTPHeaders({ "Transfer-Encoding": "chunked" }),
      );
      await req.connection.write("part1 ");
      await new Promise((r) => setImmediate(r));
      await req.connection.write(injected);
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).body.toString()).toBe(`part1 ${injected}`);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await c.readResponse()).status).toBe(200);
  });

  it("closes the connection after a body whose final coding is not chunked", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders(
        { code: 200 },
        new HTTPHeaders({ "Transfer-Encoding": "gzip" }),
        gzipSync("zipped"),
      );
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const all = await c.readUntilClose(20_000);
    expect(all).toContain("Connection: close");
    expect(all).not.toContain("Content-Length");
    expect(all.split("HTTP/1.1 200").length - 1).toBe(1);
  });
});

describe("finding 7: decompressRequest inflates incrementally with an output cap", () => {
  it("answers 413 to a gzip bomb past maxBodySize and delivers good bodies in pieces", async () => {
    const pieces: number[] = [];
    const delegate: HTTPServerDelegate = {
      startRequest: (_s, conn) => ({
        headersReceived() {},
        dataReceived(chunk: Buffer) {
          pieces.push(chunk.length);
        },
        finish() {
          conn.writeHeaders(
            { code: 200 },
            new HTTPHeaders(),
            `${pieces.reduce((a, b) => a + b, 0)}`,
          );
          conn.finish();
        },
        onConnectionClose() {},
      }),
    };
    const { port } = await fx.serve(delegate, {
      decompressRequest: true,
      maxBodySize: 4 * 1024 * 1024,
      chunkSize: 65536,
    });
    const good = gzipSync(Buffer.alloc(1024 * 1024, 0x62));
    const c = await fx.connect(port);
    await c.write(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${good.length}\r\n\r\n`,
        ),
        good,
      ]),
    );
    expect((await c.readResponse()).body.toString()).toBe(String(1024 * 1024));
    expect(pieces.length).toBeGreaterThan(1);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(65536);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // ~64 KB on the wire
    const d = await fx.connect(port);
    await d.write(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
        ),
        bomb,
      ]),
    );
    expect((await d.readResponse(false, 20_000)).status).toBe(413);
  });

  it("holds a request callback's inflated body to maxDecompressedBodySize (16 MiB), in one buffer", async () => {
    let size = -1;
    const { port } = await fx.serve(
      (req) => {
        size = req.body.length;
        ok(req);
      },
      { decompressRequest: true },
    );
    const post = async (body: Buffer) => {
      const c = await fx.connect(port);
      await c.write(
        Buffer.concat([
          Buffer.from(
            `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`,
          ),
          body,
        ]),
      );
      return (await c.readResponse(false, 30_000)).status;
    };
    // 8 MiB inflated: accepted whole.
    expect(await post(gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x61)))).toBe(200);
    expect(size).toBe(8 * 1024 * 1024);
    // A 32 MiB bomb (32 KB on the wire) is far under maxBodySize (100 MiB) but over the
    // decompressed limit: 413, and the callback never sees it.
    size = -1;
    expect(await post(gzipSync(Buffer.alloc(32 * 1024 * 1024)))).toBe(413);
    expect(size).toBe(-1);
  });

  it("answers 400 to a corrupt gzip body of a request callback", async () => {
    const { port } = await fx.serve(echoHandler, { decompressRequest: true });
    const c = await fx.connect(port);
    const bad = Buffer.from("this is not gzip at all");
    await c.write(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: ${bad.length}\r\n\r\n`,
        ),
        bad,
      ]),
    );
    expect((await c.readResponse()).status).toBe(400);
  });
});

describe("finding 9: write-progress timeout", () => {
  it("closes a connection whose client stopped reading a large response", async () => {
    const { port, server } = await fx.serve(
      (req) => {
        req.connection.writeHeaders(
          { code: 200 },
          new HTTPHeaders(),
          Buffer.alloc(32 * 1024 * 1024),
        );
        req.connection.finish();
      },
      { writeTimeoutMs: 400 },
    );
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.pause();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => server.httpConnections.size === 1, "the connection");
    // Without a write timeout the connection (and its 32 MB) stays forever.
    await until(() => server.httpConnections.size === 0, "the write timeout");
    socket.destroy();
  });

  it("keeps a connection whose client reads slowly but steadily", async () => {
    const { port } = await fx.serve(
      (req) => {
        req.connection.writeHeaders(
          { code: 200 },
          new HTTPHeaders(),
          Buffer.alloc(8 * 1024 * 1024),
        );
        req.connection.finish();
      },
      { writeTimeoutMs: 2000 },
    );
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.readResponse(false, 30_000);
    expect(r.body.length).toBe(8 * 1024 * 1024);
  });
});

describe("finding 11: setMaxBodySize after an awaited headersReceived", () => {
  it("applies to a Content-Length body as it does to a chunked one", async () => {
    const delegate: HTTPServerDelegate = {
      startRequest: (_s, conn) => ({
        async headersReceived() {
          await null;
          conn.setMaxBodySize(100);
        },
        dataReceived() {},
        finish() {
          conn.writeHeaders({ code: 200 }, new HTTPHeaders(), "accepted");
          conn.finish();
        },
        onConnectionClose() {},
      }),
    };
    const { port } = await fx.serve(delegate);
    const c = await fx.connect(port);
    await c.write(`PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${"x".repeat(5000)}`);
    expect((await c.readResponse()).status).toBe(413);
    const d = await fx.connect(port);
    await d.write(
      `PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n${"x".repeat(5000)}\r\n0\r\n\r\n`,
    );
    expect((await d.readResponse()).status).toBe(413);
  });
});

describe("finding 12: the first connection to an idle server", () => {
  it("gets its full header timeout, not a stale sweeper stamp", async () => {
    const { port, server } = await fx.serve(echoHandler, { headerTimeoutMs: 2000 });
    const first = await fx.connect(port);
    await first.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await first.readUntilClose();
    await until(() => server.httpConnections.size === 0, "the sweeper to stop");
    await sleep(2500); // idle for longer than the header timeout: the sweeper is stopped
    const c = await fx.connect(port);
    await until(() => server.httpConnections.size === 1, "the accept");
    await sleep(700); // past the first sweep (500 ms), well inside the 2 s header timeout
    await c.write("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(echoed(await c.readResponse()).uri).toBe("/late");
  });
});

describe("request-target forms and versions (RFC 9112 §3.2, RFC 9110 §2.5)", () => {
  it("takes path and query from an absolute-form target and its authority as Host", async () => {
    let host = "";
    const { port } = await fx.serve((req) => {
      host = req.host;
      echoHandler(req);
    });
    const c = await fx.connect(port);
    await c.write("GET http://Example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    const e = echoed(await c.readResponse());
    expect(e.uri).toBe("/a/b?x=1");
    expect(e.path).toBe("/a/b");
    expect(host).toBe("Example.com:8080");
    await c.write("GET https://h?q HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(echoed(await c.readResponse()).uri).toBe("/?q");
  });

  it("refuses authority-form without CONNECT, asterisk-form without OPTIONS, userinfo", async () => {
    const { port } = await fx.serve(echoHandler);
    for (const line of [
      "GET example.com:80",
      "GET *",
      "GET http://u@h/",
      "GET ftp://h/",
      "GET /a#b", // a fragment is never part of a request-target
      "GET http://h#x",
      'GET http://"<>/', // the authority replaces Host: it must be host[:port]
      "GET http://h:8x/",
    ]) {
      const c = await fx.connect(port);
      await c.write(`${line} HTTP/1.1\r\nHost: h\r\n\r\n`);
      expect((await c.readResponse()).status, line).toBe(400);
    }
  });

  it("parses a query of a million pairs without an = in linear time", async () => {
    // `a&a&…&b=1`: a search for "=" from every pair to the end would scan ~10^12 characters
    // (hours); linear parsing takes well under a second, so the generous bound is not the
    // machine's speed. In a child process, so that a regression fails instead of hanging.
    const dist = new URL("../dist/index.js", import.meta.url).href;
    const script = `
      const { parseQueryString } = await import(${JSON.stringify(dist)});
      const args = parseQueryString("a&".repeat(1_000_000) + "b=1");
      console.log(args.a.length, args.b[0]);
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--input-type=module", "-e", script],
        { timeout: 60_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
    });
    expect(out.trim()).toBe("1000000 1");
  });

  it("handles HTTP/1.2 … 1.9 as HTTP/1.1", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write("GET / HTTP/1.7\r\nHost: x\r\n\r\n");
    const r = await c.readResponse();
    expect(r.version).toBe("HTTP/1.1");
    expect(echoed(r).version).toBe("HTTP/1.1");
    await c.write("GET /again HTTP/1.1\r\nHost: x\r\n\r\n"); // kept alive as HTTP/1.1
    expect(echoed(await c.readResponse()).uri).toBe("/again");
  });
});
