// Property tests of the response parser: any split of valid input parses the same; garbage only ever
// fails with the package's own errors.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HTTPMalformedResponseError, HTTPResponseTooLargeError } from "../src/errors.js";
import type { ResponseHead } from "../src/response-head.js";
import { ResponseParser, type ResponseSink } from "../src/response-parser.js";

/** Records what the parser reports. */
class Recorder implements ResponseSink {
  paused = false;
  interim: number[] = [];
  head: ResponseHead | null = null;
  body: Buffer[] = [];
  ended = false;
  onInterim(code: number): void {
    this.interim.push(code);
  }
  onResponseHead(head: ResponseHead): void {
    this.head = head;
  }
  onBodyData(buf: Buffer, start: number, end: number): void {
    this.body.push(Buffer.from(buf.subarray(start, end)));
  }
  onResponseEnd(): void {
    this.ended = true;
  }
}

/** Feed `input` split at `cuts`, keeping unconsumed bytes as a stream's buffer does; returns the bytes left. */
function feedSplit(parser: ResponseParser, input: Buffer, cuts: number[]): Buffer {
  let pending = Buffer.alloc(0);
  let prev = 0;
  for (const cut of [
    ...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b),
    input.length,
  ]) {
    pending = Buffer.concat([pending, input.subarray(prev, cut)]);
    prev = cut;
    const used = parser.feed(pending, 0, pending.length);
    pending = pending.subarray(used);
  }
  return pending;
}

const valid: [string, string, string, number[]][] = [
  [
    "length",
    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world",
    "hello world",
    [],
  ],
  [
    "chunked with extensions and trailers",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
    "hello world",
    [],
  ],
  [
    "interim responses first",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    "ok",
    [100, 103],
  ],
  ["no body", "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n", "", []],
];

describe("ResponseParser", () => {
  for (const [what, text, body, interim] of valid) {
    it(`parses the same whatever the split: ${what}`, () => {
      const input = Buffer.from(text, "latin1");
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: input.length }), { maxLength: 12 }),
          (cuts) => {
            const sink = new Recorder();
            const parser = new ResponseParser(65536);
            parser.expect("GET", sink, 1 << 20, 1 << 14);
            const left = feedSplit(parser, input, cuts);
            expect(left.length).toBe(0);
            expect(sink.ended).toBe(true);
            expect(sink.interim).toEqual(interim);
            expect(Buffer.concat(sink.body).toString("latin1")).toBe(body);
            expect(parser.idle).toBe(true);
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it("stops at the end of a response and leaves the next bytes unconsumed", () => {
    const sink = new Recorder();
    const parser = new ResponseParser(65536);
    parser.expect("GET", sink, 1 << 20, 1 << 14);
    const input = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
    expect(parser.feed(input, 0, input.length)).toBe(input.length - 5);
    expect(sink.ended).toBe(true);
  });

  it("garbage fails only with HTTPMalformedResponseError or HTTPResponseTooLargeError", () => {
    const prefix = fc.constantFrom(
      "",
      "HTTP/1.1 ",
      "HTTP/1.1 200 OK\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    fc.assert(
      fc.property(
        prefix,
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(400), { maxLength: 6 }),
        (p, bytes, cuts) => {
          const input = Buffer.concat([Buffer.from(p, "latin1"), Buffer.from(bytes)]);
          const parser = new ResponseParser(256);
          parser.expect("GET", new Recorder(), 1024, 128);
          try {
            feedSplit(parser, input, cuts);
          } catch (err) {
            expect(
              err instanceof HTTPMalformedResponseError || err instanceof HTTPResponseTooLargeError,
            ).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
