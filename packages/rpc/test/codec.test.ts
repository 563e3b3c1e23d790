// Frame codec: batching writer, windowed reader, limits, and split-invariance (fast-check).

import { encode } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FrameReader,
  FrameWriter,
  RpcEncodeError,
  RpcFrameTooLargeError,
  RpcProtocolError,
} from "../src/index.js";

/**
 * Feed `chunks` to a reader the way an IOStream does: unconsumed bytes stay buffered and are
 * offered again together with the next chunk; the window is overwritten after each call.
 */
function feed(reader: FrameReader, chunks: Uint8Array[]): void {
  let pending = Buffer.alloc(0);
  for (const chunk of chunks) {
    // A scratch buffer with junk around the window, reused (and scribbled on) every time.
    const scratch = Buffer.alloc(pending.length + chunk.length + 8, 0xee);
    pending.copy(scratch, 3);
    scratch.set(chunk, 3 + pending.length);
    const end = 3 + pending.length + chunk.length;
    const used = reader.consume(scratch, 3, end);
    expect(used).toBeGreaterThanOrEqual(0);
    expect(used).toBeLessThanOrEqual(end - 3);
    pending = Buffer.from(scratch.subarray(3 + used, end));
    scratch.fill(0xdd);
  }
  expect(pending.length).toBe(0);
}

function frames(messages: unknown[]): Buffer {
  const w = new FrameWriter(1 << 20);
  for (const m of messages) w.append(m);
  return Buffer.from(w.take() ?? Buffer.alloc(0));
}

describe("FrameWriter", () => {
  it("writes a 4-byte big-endian length before each msgpack payload", () => {
    const buf = frames([[0, 1, "sum", [1, 2]], "x"]);
    const p1 = Buffer.from(encode([0, 1, "sum", [1, 2]]));
    const p2 = Buffer.from(encode("x"));
    expect(buf.readUInt32BE(0)).toBe(p1.length);
    expect(buf.subarray(4, 4 + p1.length)).toEqual(p1);
    expect(buf.readUInt32BE(4 + p1.length)).toBe(p2.length);
    expect(buf.subarray(8 + p1.length)).toEqual(p2);
  });

  it("rejects a payload above maxFrameBytes and leaves the batch unchanged", () => {
    const w = new FrameWriter(16);
    w.append("short");
    const before = w.pendingBytes;
    expect(() => w.append("x".repeat(100))).toThrow(RpcFrameTooLargeError);
    expect(w.pendingBytes).toBe(before);
  });

  it("turns msgpack encode failures into RpcEncodeError", () => {
    const w = new FrameWriter(1024);
    expect(() => w.append([1n])).toThrow(RpcEncodeError);
    expect(w.take()).toBeNull();
  });

  it("grows past its initial batch size and keeps earlier frames intact", () => {
    const w = new FrameWriter(1 << 20);
    const big = "y".repeat(40_000);
    w.append("a");
    w.append(big);
    w.append("b");
    const got: unknown[] = [];
    feed(new FrameReader(1 << 20, (m) => got.push(m)), [w.take() as Buffer]);
    expect(got).toEqual(["a", big, "b"]);
  });

  it("replaces its buffer after release(kept = true) so a queued batch is never overwritten", () => {
    const w = new FrameWriter(1024);
    w.append("first");
    const taken = w.take() as Buffer;
    const copy = Buffer.from(taken);
    w.release(true);
    w.append("second-and-longer");
    expect(taken).toEqual(copy);
  });

  it("validates maxFrameBytes", () => {
    expect(() => new FrameWriter(0)).toThrow(RangeError);
    expect(() => new FrameWriter(2 ** 32)).toThrow(RangeError);
    expect(() => new FrameReader(1.5, () => {})).toThrow(RangeError);
  });
});

describe("FrameReader", () => {
  it("decodes every complete frame of a window and leaves the incomplete tail", () => {
    const got: unknown[] = [];
    const r = new FrameReader(1024, (m) => got.push(m));
    const head = frames([1, "two"]);
    const buf = frames([1, "two", { three: 3 }]);
    expect(r.consume(buf, 0, buf.length - 2)).toBe(head.length);
    expect(got).toEqual([1, "two"]);
    expect(r.consume(buf, head.length, buf.length)).toBe(buf.length - head.length);
    expect(got).toEqual([1, "two", { three: 3 }]);
  });

  it("waits (consumes 0) while fewer than 4 length bytes are there", () => {
    const r = new FrameReader(1024, () => {});
    const buf = frames(["abc"]);
    expect(r.consume(buf, 0, 3)).toBe(0);
  });

  it("throws RpcFrameTooLargeError as soon as the length prefix exceeds maxFrameBytes", () => {
    const r = new FrameReader(100, () => {});
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(101);
    expect(() => r.consume(buf, 0, 4)).toThrow(RpcFrameTooLargeError);
  });

  it("throws RpcProtocolError for a payload that is not exactly one msgpack value", () => {
    const r = new FrameReader(100, () => {});
    const bad = Buffer.from([0, 0, 0, 1, 0xc1]); // 0xc1 is never used in msgpack
    expect(() => r.consume(bad, 0, bad.length)).toThrow(RpcProtocolError);
    const extra = Buffer.from([0, 0, 0, 2, 0x01, 0x02]); // two values in one frame
    expect(() => r.consume(extra, 0, extra.length)).toThrow(RpcProtocolError);
    const empty = Buffer.from([0, 0, 0, 0]);
    expect(() => r.consume(empty, 0, empty.length)).toThrow(RpcProtocolError);
  });

  it("hands out binary values that stay valid after the window is reused", () => {
    const got: unknown[] = [];
    const r = new FrameReader(1024, (m) => got.push(m));
    const buf = frames([new Uint8Array([1, 2, 3])]);
    r.consume(buf, 0, buf.length);
    buf.fill(0);
    expect(Array.from(got[0] as Uint8Array)).toEqual([1, 2, 3]);
  });

  it("delivers nothing after stop()", () => {
    const got: unknown[] = [];
    const r = new FrameReader(1024, (m) => {
      got.push(m);
      r.stop();
    });
    const buf = frames([1, 2, 3]);
    expect(r.consume(buf, 0, buf.length)).toBe(buf.length);
    expect(got).toEqual([1]);
  });
});

const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("v"), { maxKeys: 4 }),
  ),
})).v;

describe("split invariance (fast-check)", () => {
  it("any split of a frame sequence decodes to the same messages", () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const bytes = frames(messages);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const got: unknown[] = [];
          feed(new FrameReader(1 << 20, (m) => got.push(m)), chunks);
          // bin values come back as Buffer views: compare canonical encodings.
          expect(got).toHaveLength(messages.length);
          expect(Buffer.from(encode(got))).toEqual(Buffer.from(encode(messages)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("garbage never escapes as anything but an RpcError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (junk) => {
        const r = new FrameReader(64, () => {});
        try {
          r.consume(Buffer.from(junk), 0, junk.length);
        } catch (err) {
          expect([RpcFrameTooLargeError, RpcProtocolError].some((C) => err instanceof C)).toBe(
            true,
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
