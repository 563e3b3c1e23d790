// Property tests (fast-check): random splits parse identically; random garbage never escapes.

import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChunkedDecoder } from "../src/chunked-decoder.js";
import { HTTPInputError } from "../src/index.js";
import { ParsedHead, parseRequestHead } from "../src/request-head-parser.js";
import { echoed, echoHandler, ServerFixture, sleep } from "./helpers.js";

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
const path = fc.stringMatching(/^\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,30}$/);

/** A valid request: [bytes, expected method, uri, body]. */
const request = fc
  .record({
    method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"),
    path,
    headers: fc.array(fc.tuple(token, value), { maxLength: 6 }),
    body: fc.uint8Array({ maxLength: 300 }),
    chunked: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
  })
  .map((r) => {
    const skip = /^(host|content-length|transfer-encoding|expect|connection|content-encoding)$/i;
    const headers = r.headers.filter(([n]) => !skip.test(n));
    let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: t\r\n`;
    for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
    const body = Buffer.from(r.body);
    let framed: Buffer;
    if (r.chunked) {
      head += "Transfer-Encoding: chunked\r\n\r\n";
      const parts: Buffer[] = [];
      let pos = 0;
      let k = 0;
      while (pos < body.length) {
        const n = Math.min(r.chunkSizes[k++ % r.chunkSizes.length], body.length - pos);
        parts.push(
          Buffer.from(`${n.toString(16)}\r\n`),
          body.subarray(pos, pos + n),
          Buffer.from("\r\n"),
        );
        pos += n;
      }
      parts.push(Buffer.from("0\r\n\r\n"));
      framed = Buffer.concat(parts);
    } else {
      head += `Content-Length: ${body.length}\r\n\r\n`;
      framed = body;
    }
    return {
      bytes: Buffer.concat([Buffer.from(head, "latin1"), framed]),
      method: r.method,
      uri: r.path,
      headers: [["Host", "t"], ...headers] as [string, string][],
      body,
    };
  });

describe("parser units", () => {
  it("parseRequestHead accepts every generated head and recovers its fields", () => {
    fc.assert(
      fc.property(request, (r) => {
        const end = r.bytes.indexOf("\r\n\r\n") + 4;
        const head = new ParsedHead();
        parseRequestHead(r.bytes, 0, end, head);
        expect(head.method).toBe(r.method);
        expect(head.uri).toBe(r.uri);
        expect(head.raw.slice(0, 2 * r.headers.length)).toEqual(r.headers.flat());
      }),
      { numRuns: 300 },
    );
  });

  it("ChunkedDecoder decodes the same body however the input is split", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
        (bodyArr, sizes, cuts) => {
          const body = Buffer.from(bodyArr);
          const parts: Buffer[] = [];
          let pos = 0;
          let k = 0;
          while (pos < body.length) {
            const n = Math.min(sizes[k++ % sizes.length], body.length - pos);
            parts.push(
              Buffer.from(`${n.toString(16)};x="y"\r\n`),
              body.subarray(pos, pos + n),
              Buffer.from("\r\n"),
            );
            pos += n;
          }
          parts.push(Buffer.from("0\r\nT: v\r\n\r\nNEXT"));
          const wire = Buffer.concat(parts);
          const dec = new ChunkedDecoder();
          dec.reset(Number.POSITIVE_INFINITY, 1000);
          const out: Buffer[] = [];
          const sink = {
            onChunkData: (b: Buffer, s: number, e: number) =>
              out.push(Buffer.from(b.subarray(s, e))),
          };
          let at = 0;
          let c = 0;
          while (!dec.done) {
            const end = Math.min(wire.length, at + cuts[c++ % cuts.length]);
            let p = at;
            while (p < end && !dec.done) p += dec.decode(wire, p, end, sink);
            at = p;
          }
          expect(Buffer.concat(out).equals(body)).toBe(true);
          expect(wire.subarray(at).toString()).toBe("NEXT");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parseRequestHead throws only HTTPInputError on garbage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (arr) => {
        const buf = Buffer.concat([Buffer.from(arr), Buffer.from("\r\n\r\n")]);
        try {
          parseRequestHead(buf, 0, buf.length, new ParsedHead());
        } catch (e) {
          expect(e).toBeInstanceOf(HTTPInputError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("over a socket", () => {
  let fx: ServerFixture;
  beforeEach(() => {
    fx = new ServerFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("any split of a valid request (and a pipelined pair) is answered identically", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await fc.assert(
      fc.asyncProperty(
        request,
        request,
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 4 }),
        async (a, b, cutsRaw) => {
          const wire = Buffer.concat([a.bytes, b.bytes]);
          const cuts = [...new Set(cutsRaw.map((x) => x % wire.length))].sort((x, y) => x - y);
          let prev = 0;
          for (const cut of [...cuts, wire.length]) {
            if (cut > prev) {
              await c.write(wire.subarray(prev, cut));
              await sleep(0);
            }
            prev = cut;
          }
          for (const r of [a, b]) {
            const e = echoed(await c.readResponse());
            expect(e.method).toBe(r.method);
            expect(e.uri).toBe(r.uri);
            expect(
              e.headers.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n)),
            ).toEqual(r.headers);
            expect(Buffer.from(e.body, "latin1").equals(r.body)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("random garbage never escapes: the server answers or closes, and serves the next client", async () => {
    const { port } = await fx.serve(echoHandler, { headerTimeoutMs: 200, maxHeaderSize: 2048 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)),
          request.chain((r) =>
            fc
              .tuple(
                fc.integer({ min: 0, max: r.bytes.length - 1 }),
                fc.integer({ min: 0, max: 255 }),
              )
              .map(([i, byte]) => {
                const b = Buffer.from(r.bytes);
                b[i] = byte;
                return b;
              }),
          ),
        ),
        async (garbage) => {
          const bad = await fx.connect(port);
          await bad.write(Buffer.concat([garbage, Buffer.from("\r\n\r\n")]));
          await sleep(1);
          bad.destroy();
          const good = await fx.connect(port);
          await good.write("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n");
          expect(echoed(await good.readResponse()).uri).toBe("/alive");
          good.destroy();
        },
      ),
      { numRuns: 80 },
    );
    expect(fx.problems()).toEqual([]);
  });
});
