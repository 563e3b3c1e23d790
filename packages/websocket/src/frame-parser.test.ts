// Unit and property tests of the frame parser and writer.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebSocketProtocolError } from "./errors.js";
import { FrameParser, type FrameSink } from "./frame-parser.js";
import { encodeFrame, TEXT_FRAME_MAX_UNITS, writeTextFrame } from "./frame-writer.js";
import { applyMask } from "./masking.js";

interface Rec {
  frames: [number, boolean, boolean, string][];
  errors: WebSocketProtocolError[];
}

function parserFor(
  expectMasked: boolean,
  maxMessageSize = 1 << 20,
  allowRsv1 = false,
  textViews = false,
) {
  const rec: Rec & { views: number } = { frames: [], errors: [], views: 0 };
  const sink: FrameSink = {
    onFrame: (op, fin, rsv1, payload) => rec.frames.push([op, fin, rsv1, payload.toString("hex")]),
    onProtocolError: (e) => rec.errors.push(e),
  };
  if (textViews) {
    // Recorded as the frame it stands for (a whole text message), counted apart.
    sink.onTextView = (buf, start, end) => {
      rec.views++;
      rec.frames.push([1, true, false, buf.toString("hex", start, end)]);
    };
  }
  return { rec, parser: new FrameParser(sink, { expectMasked, maxMessageSize, allowRsv1 }) };
}

/** Feed `bytes` in pieces ending at `cuts`, keeping unconsumed bytes like IOStream does. */
function feed(parser: FrameParser, bytes: Buffer, cuts: number[] = []): void {
  let pending = Buffer.alloc(0);
  let pos = 0;
  for (const c of [...cuts, bytes.length].sort((a, b) => a - b)) {
    pending = Buffer.concat([pending, bytes.subarray(pos, c)]);
    pos = c;
    // Offer inside a larger buffer to exercise start offsets.
    const host = Buffer.concat([Buffer.from([1, 2, 3]), pending, Buffer.from([9])]);
    const used = parser.execute(host, 3, 3 + pending.length);
    expect(used).toBeGreaterThanOrEqual(0);
    expect(used).toBeLessThanOrEqual(pending.length);
    pending = pending.subarray(used);
  }
}

function raw(b0: number, b1: number, ...rest: number[]): Buffer {
  return Buffer.from([b0, b1, ...rest]);
}

describe("FrameParser", () => {
  it("parses masked client frames of 7-, 16- and 64-bit lengths", () => {
    const { rec, parser } = parserFor(true);
    const sizes = [0, 5, 125, 126, 65535, 65536, 70000];
    const payloads = sizes.map((n) => Buffer.alloc(n, n & 0xff));
    feed(parser, Buffer.concat(payloads.map((p) => encodeFrame(2, p, true, false, true))));
    expect(rec.errors).toEqual([]);
    expect(rec.frames.map((f) => f[3])).toEqual(payloads.map((p) => p.toString("hex")));
  });

  it("reassembles a 300 KiB masked payload arriving in small pieces (buffer grows with the bytes)", () => {
    const { rec, parser } = parserFor(true);
    const payload = Buffer.alloc(300 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
    const frame = encodeFrame(2, payload, true, false, true);
    const cuts: number[] = [];
    for (let c = 1; c < frame.length; c += 4093) cuts.push(c);
    feed(parser, frame, cuts);
    expect(rec.errors).toEqual([]);
    expect(rec.frames).toHaveLength(1);
    expect(rec.frames[0][3]).toBe(payload.toString("hex"));
  });

  it("rejects unmasked frames on the server and masked ones on the client with 1002", () => {
    const s = parserFor(true);
    feed(s.parser, encodeFrame(1, "hi", true, false, false));
    expect(s.rec.errors[0].closeCode).toBe(1002);
    const c = parserFor(false);
    feed(c.parser, encodeFrame(1, "hi", true, false, true));
    expect(c.rec.errors[0].closeCode).toBe(1002);
  });

  it.each([
    ["RSV2", raw(0xa1, 0x00)],
    ["RSV3", raw(0x91, 0x00)],
    ["RSV1 without extension", raw(0xc1, 0x00)],
    ["reserved data opcode", raw(0x83, 0x00)],
    ["reserved control opcode", raw(0x8b, 0x00)],
    ["fragmented ping", raw(0x09, 0x00)],
    ["control frame of 126 bytes", raw(0x89, 126, 0, 126)],
    ["continuation without a message", raw(0x80, 0x00)],
    ["16-bit length below 126", raw(0x82, 126, 0, 125)],
    ["64-bit length below 65536", raw(0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff)],
    ["64-bit length with the top bit", raw(0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0)],
  ])("fails with 1002 on %s", (_name, bytes) => {
    const { rec, parser } = parserFor(false);
    feed(parser, bytes);
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0].closeCode).toBe(1002);
    expect(rec.frames).toEqual([]);
  });

  it("rejects a new data message inside a fragmented one", () => {
    const { rec, parser } = parserFor(false);
    feed(parser, Buffer.concat([raw(0x01, 1, 0x61), raw(0x81, 1, 0x62)]));
    expect(rec.errors[0].closeCode).toBe(1002);
  });

  it("allows control frames between fragments and tracks the message", () => {
    const { rec, parser } = parserFor(false);
    feed(parser, Buffer.concat([raw(0x01, 1, 0x61), raw(0x89, 0), raw(0x80, 1, 0x62)]));
    expect(rec.errors).toEqual([]);
    expect(rec.frames).toEqual([
      [1, false, false, "61"],
      [9, true, false, ""],
      [0, true, false, "62"],
    ]);
  });

  it("fails with 1009 when a message's fragments exceed maxMessageSize, before its payload arrives", () => {
    const { rec, parser } = parserFor(false, 100);
    feed(parser, Buffer.concat([raw(0x02, 60, ...Buffer.alloc(60)), raw(0x80, 41)]));
    expect(rec.errors[0].closeCode).toBe(1009);
    const big = parserFor(false, 100);
    feed(big.parser, raw(0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0));
    expect(big.rec.errors[0].closeCode).toBe(1009);
  });

  it("fails with 1009 at the header of the fragment beyond maxFragmentsPerMessage", () => {
    const rec: Rec = { frames: [], errors: [] };
    const parser = new FrameParser(
      {
        onFrame: (op, fin, rsv1, p) => rec.frames.push([op, fin, rsv1, p.toString("hex")]),
        onProtocolError: (e) => rec.errors.push(e),
      },
      { expectMasked: false, maxMessageSize: 1 << 20, allowRsv1: false, maxFragmentsPerMessage: 3 },
    );
    const three = [
      encodeFrame(1, "a", false, false, false),
      encodeFrame(0, "b", false, false, false),
      encodeFrame(0, "c", true, false, false),
    ];
    feed(parser, Buffer.concat([...three, ...three])); // two messages of exactly 3 frames
    expect(rec.errors).toEqual([]);
    expect(rec.frames).toHaveLength(6);
    // A fourth frame: refused from its 2-byte header, before any payload.
    feed(parser, Buffer.concat([...three.slice(0, 2), encodeFrame(0, "c", false, false, false)]));
    feed(parser, raw(0x80, 0x05)); // header only; its 5 payload bytes never come
    expect(rec.errors.map((e) => e.closeCode)).toEqual([1009]);
    expect(rec.errors[0].message).toMatch(/maxFragmentsPerMessage \(3\)/);
    expect(rec.frames).toHaveLength(9);
  });

  it("refuses a maxFragmentsPerMessage that is not an integer >= 1 or Infinity", () => {
    const sink: FrameSink = { onFrame: () => {}, onProtocolError: () => {} };
    const make = (n: number) =>
      new FrameParser(sink, {
        expectMasked: true,
        maxMessageSize: 100,
        allowRsv1: false,
        maxFragmentsPerMessage: n,
      });
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => make(bad)).toThrow(RangeError);
    expect(() => make(Number.POSITIVE_INFINITY)).not.toThrow();
  });

  it("accepts RSV1 on a first frame only when compression was negotiated", () => {
    const { rec, parser } = parserFor(false, 1000, true);
    feed(parser, Buffer.concat([raw(0x41, 1, 0x61), raw(0x80, 0)]));
    expect(rec.frames).toEqual([
      [1, false, true, "61"],
      [0, true, false, ""],
    ]);
    const bad = parserFor(false, 1000, true);
    feed(bad.parser, Buffer.concat([raw(0x01, 1, 0x61), raw(0xc0, 0)]));
    expect(bad.rec.errors[0].closeCode).toBe(1002);
  });

  it("parses any split of a valid frame stream the same way", () => {
    const frameArb = fc.record({
      opcode: fc.constantFrom(1, 2, 9, 10),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        (frames, masked, cuts) => {
          const stream = Buffer.concat(
            frames.map((f) =>
              encodeFrame(
                f.opcode,
                f.opcode >= 8 ? f.payload.subarray(0, 125) : f.payload,
                true,
                false,
                masked,
              ),
            ),
          );
          const whole = parserFor(masked);
          feed(whole.parser, stream);
          const split = parserFor(masked);
          feed(
            split.parser,
            stream,
            cuts.map((c) => Math.min(c, stream.length)),
          );
          expect(whole.rec.errors).toEqual([]);
          expect(split.rec.frames).toEqual(whole.rec.frames);
          expect(whole.rec.frames).toHaveLength(frames.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("offers whole text frames in place to a sink with onTextView: any split parses as onFrame would", () => {
    const frameArb = fc.record({
      opcode: fc.constantFrom(1, 1, 2, 9),
      fin: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        (frames, masked, cuts) => {
          // Data frames without FIN are followed by a final continuation (a valid sequence).
          const parts: Buffer[] = [];
          for (const f of frames) {
            const control = f.opcode >= 8;
            const payload = control ? f.payload.subarray(0, 125) : f.payload;
            parts.push(encodeFrame(f.opcode, payload, control || f.fin, false, masked));
            if (!control && !f.fin) parts.push(encodeFrame(0, payload, true, false, masked));
          }
          const stream = Buffer.concat(parts);
          const plain = parserFor(masked);
          feed(plain.parser, stream);
          const viewed = parserFor(masked, 1 << 20, false, true);
          feed(
            viewed.parser,
            stream,
            cuts.map((c) => Math.min(c, stream.length)),
          );
          expect(plain.rec.errors).toEqual([]);
          expect(viewed.rec.errors).toEqual([]);
          expect(viewed.rec.frames).toEqual(plain.rec.frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("offers a whole text frame in place (unmasked there) and a split one through onFrame", () => {
    const frame = encodeFrame(1, "hello", true, false, true);
    const whole = parserFor(true, 1000, false, true);
    const host = Buffer.from(frame);
    expect(whole.parser.execute(host, 0, host.length)).toBe(host.length);
    expect(whole.rec.views).toBe(1);
    expect(host.toString("latin1", host.length - 5)).toBe("hello"); // unmasked in the input
    const split = parserFor(true, 1000, false, true);
    feed(split.parser, frame, [frame.length - 2]);
    expect(split.rec.views).toBe(0);
    expect(split.rec.frames).toEqual([[1, true, false, Buffer.from("hello").toString("hex")]]);
  });

  it("never throws on random bytes and reports at most one error", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.boolean(),
        fc.array(fc.nat(512), { maxLength: 5 }),
        (bytes, masked, cuts) => {
          const { rec, parser } = parserFor(masked, 4096, true);
          feed(
            parser,
            Buffer.from(bytes),
            cuts.map((c) => Math.min(c, bytes.length)),
          );
          expect(rec.errors.length).toBeLessThanOrEqual(1);
          for (const e of rec.errors) expect([1002, 1009]).toContain(e.closeCode);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("masking", () => {
  it("word-wise masking equals the byte-wise definition at every offset and phase", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(7),
        fc.nat(3),
        fc.nat(5),
        (data, key, offset, phase, keyOffset) => {
          const host = Buffer.alloc(data.length + offset);
          host.set(data, offset);
          const keyHost = Buffer.alloc(keyOffset + 4);
          keyHost.set(key, keyOffset);
          applyMask(host, offset, offset + data.length, keyHost, keyOffset, phase);
          for (let i = 0; i < data.length; i++) {
            expect(host[offset + i]).toBe(data[i] ^ key[(i + phase) & 3]);
          }
        },
      ),
    );
  });
});

describe("writeTextFrame", () => {
  it("writes the frame encodeFrame makes, for any string (lone surrogates too) and offset", () => {
    const text = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 700 })
      .map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(text, fc.nat(9), fc.boolean(), (s, at, rsv1) => {
        const expected = encodeFrame(1, s, true, rsv1, false);
        const buf = Buffer.alloc(at + 4 + 3 * s.length, 0xee);
        const end = writeTextFrame(buf, at, 1, s, true, rsv1, false);
        expect(end - at).toBe(expected.length);
        expect(buf.subarray(at, end).equals(expected)).toBe(true);
        // Masked: the same payload once unmasked with the key written behind the header.
        const masked = Buffer.alloc(at + 8 + 3 * s.length);
        const mend = writeTextFrame(masked, at, 1, s, true, rsv1, true);
        const hsize = expected.length - Buffer.byteLength(s);
        expect(mend - at).toBe(expected.length + 4);
        expect(masked[at + 1] & 0x80).toBe(0x80);
        applyMask(masked, at + hsize + 4, mend, masked, at + hsize, 0);
        expect(masked.subarray(at + hsize + 4, mend).equals(expected.subarray(hsize))).toBe(true);
        expect(masked[at] === expected[0] && (masked[at + 1] & 0x7f) === (expected[1] & 0x7f)).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });

  it("uses the 2-byte length form exactly up to 125 bytes (a short string of wide characters moves up)", () => {
    for (const s of [
      "a".repeat(125),
      "é".repeat(62),
      "é".repeat(63),
      "€".repeat(42),
      "a".repeat(126),
    ]) {
      const buf = Buffer.alloc(4 + 3 * s.length);
      const end = writeTextFrame(buf, 0, 1, s, true, false, false);
      expect(buf.subarray(0, end).equals(encodeFrame(1, s, true, false, false))).toBe(true);
    }
    expect(TEXT_FRAME_MAX_UNITS * 3).toBeLessThan(0x10000);
  });
});
