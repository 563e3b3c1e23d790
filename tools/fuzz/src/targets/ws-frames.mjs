// Target: the RFC 6455 frame parser of @t/websocket (frame-parser.ts).

import { encodeFrame, FrameParser, WebSocketProtocolError } from "@t/websocket";
import { check, checkEqual, FuzzFinding } from "../oracle.mjs";
import { cutPoints, hashBytes } from "../rng.mjs";

const MAX_MESSAGE = 1000;
const MAX_FRAGMENTS = 4;
const STALE = Buffer.from([0x81, 0x05, 0x81, 0x85]);

/** Whether the built parser enforces `maxFragmentsPerMessage` (an option added in issue 14). */
const FRAGMENT_LIMIT = (() => {
  let failed = false;
  const p = new FrameParser(
    { onFrame() {}, onProtocolError: () => (failed = true) },
    { expectMasked: false, maxMessageSize: 100, allowRsv1: false, maxFragmentsPerMessage: 1 },
  );
  const frames = Buffer.from([0x01, 0x00, 0x00, 0x00, 0x80, 0x00]);
  p.execute(frames, 0, frames.length);
  return failed ? MAX_FRAGMENTS : Number.POSITIVE_INFINITY;
})();

/** The parser settings an input's first byte selects. */
export function frameConfig(byte) {
  return {
    expectMasked: (byte & 1) === 1,
    allowRsv1: (byte & 2) === 2,
    pause: (byte & 4) === 4,
  };
}

/**
 * Feed `stream` in the pieces `cuts` the way IOStream's data consumer does (unconsumed bytes are
 * offered again with the next piece; a paused parser is resumed and called again). Returns the
 * events: `["frame", opcode, fin, rsv1, hex]` and `["error", closeCode]`.
 */
export function parseFrames(stream, cuts, config) {
  const events = [];
  let failed = false;
  const parser = new FrameParser(
    {
      onFrame(opcode, fin, rsv1, payload) {
        check(!failed, "a frame was delivered after the protocol error");
        check(Buffer.isBuffer(payload), "payload is not a Buffer");
        events.push(["frame", opcode, fin, rsv1, payload.toString("hex")]);
        if (config.pause) parser.paused = true;
      },
      onProtocolError(err) {
        check(!failed, "a second protocol error was reported");
        check(
          err instanceof WebSocketProtocolError && err.code === "T_ERR_WS_PROTOCOL",
          "protocol error of the wrong class",
        );
        check(
          err.closeCode === 1002 || err.closeCode === 1009,
          () => `close code ${err.closeCode}`,
        );
        failed = true;
        events.push(["error", err.closeCode]);
      },
    },
    {
      expectMasked: config.expectMasked,
      maxMessageSize: MAX_MESSAGE,
      allowRsv1: config.allowRsv1,
      maxFragmentsPerMessage: MAX_FRAGMENTS,
    },
  );
  let leftover = Buffer.alloc(0);
  for (let p = 1; p < cuts.length; p++) {
    const piece = stream.subarray(cuts[p - 1], cuts[p]);
    const buf = Buffer.concat([STALE, leftover, piece, STALE]);
    let pos = STALE.length;
    const end = pos + leftover.length + piece.length;
    for (;;) {
      let n;
      try {
        n = parser.execute(buf, pos, end);
      } catch (err) {
        throw new FuzzFinding(`FrameParser.execute threw ${err}`, { cause: err });
      }
      check(n >= 0 && n <= end - pos, () => `execute returned ${n} for ${end - pos} bytes`);
      pos += n;
      if (parser.paused) {
        parser.paused = false;
        continue;
      }
      break;
    }
    check(!failed || pos === end, "a failed parser left bytes unconsumed");
    check(end - pos <= 14, () => `${end - pos} bytes left unconsumed (a header is at most 14)`);
    check(parser.failed === failed, "parser.failed disagrees with the reported error");
    leftover = Buffer.from(buf.subarray(pos, end));
  }
  return events;
}

/** RFC 6455 §5 framing rules, read frame by frame from the whole stream. */
export function referenceFrames(stream, config) {
  const events = [];
  let pos = 0;
  let fragment = -1;
  let bytes = 0;
  let frames = 0;
  const fail = (code) => {
    events.push(["error", code]);
    return events;
  };
  while (stream.length - pos >= 2) {
    const b0 = stream[pos];
    const b1 = stream[pos + 1];
    const fin = b0 >= 0x80;
    const rsv1 = (b0 & 0x40) !== 0;
    const op = b0 & 0x0f;
    const masked = b1 >= 0x80;
    const len7 = b1 & 0x7f;
    if ((b0 & 0x30) !== 0 || masked !== config.expectMasked) return fail(1002);
    if (op >= 8) {
      if (op > 10 || !fin || len7 > 125 || rsv1) return fail(1002);
    } else if (op === 0) {
      if (fragment === -1 || rsv1) return fail(1002);
    } else if (op === 1 || op === 2) {
      if (fragment !== -1 || (rsv1 && !config.allowRsv1)) return fail(1002);
    } else {
      return fail(1002);
    }
    let head = 2;
    let len = len7;
    if (len7 === 126) {
      if (stream.length - pos < 4) break;
      len = stream.readUInt16BE(pos + 2);
      if (len < 126) return fail(1002);
      head = 4;
    } else if (len7 === 127) {
      if (stream.length - pos < 10) break;
      const big = stream.readBigUInt64BE(pos + 2);
      if (big >= 2n ** 63n || big < 65536n) return fail(1002);
      len = Number(big);
      head = 10;
    }
    let mask = null;
    if (masked) {
      if (stream.length - pos < head + 4) break;
      mask = stream.subarray(pos + head, pos + head + 4);
      head += 4;
    }
    if (op < 8) {
      const total = (op === 0 ? bytes : 0) + len;
      const count = op === 0 ? frames + 1 : 1;
      if (total > MAX_MESSAGE || count > FRAGMENT_LIMIT) return fail(1009);
      fragment = fin ? -1 : op === 0 ? fragment : op;
      bytes = fin ? 0 : total;
      frames = fin ? 0 : count;
    }
    if (stream.length - pos - head < len) break;
    const payload = Buffer.from(stream.subarray(pos + head, pos + head + len));
    if (mask !== null) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    events.push(["frame", op, fin, rsv1, payload.toString("hex")]);
    pos += head + len;
  }
  return events;
}

function run(input) {
  if (input.length === 0) return;
  const config = frameConfig(input[0]);
  const stream = input.subarray(1);
  const whole = parseFrames(stream, [0, stream.length], config);
  const pieces = parseFrames(stream, cutPoints(stream.length, hashBytes(input)), config);
  checkEqual(pieces, whole, "frames (pieces vs one piece)");
  checkEqual(whole, referenceFrames(stream, config), "frames (parser vs reference)");
}

/** A random valid frame sequence: the config byte, the bytes and the frames they carry. */
export function generateFrames(rng) {
  const configByte = rng.below(8);
  const config = frameConfig(configByte);
  const parts = [Buffer.from([configByte])];
  const expected = [];
  const frame = (op, payload, fin, rsv1) => {
    parts.push(encodeFrame(op, payload, fin, rsv1, config.expectMasked));
    expected.push(["frame", op, fin, rsv1, payload.toString("hex")]);
  };
  const bytes = (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = rng.below(256);
    return b;
  };
  const messages = rng.below(5);
  for (let m = 0; m < messages; m++) {
    const fragments = 1 + rng.below(Math.min(3, FRAGMENT_LIMIT));
    const op = rng.pick([1, 2]);
    const rsv1 = config.allowRsv1 && rng.chance(0.5);
    let budget = MAX_MESSAGE;
    for (let f = 0; f < fragments; f++) {
      const size = rng.pick([0, 1, 125, 126, 200, rng.below(budget + 1)]);
      const n = Math.min(size, budget);
      budget -= n;
      frame(f === 0 ? op : 0, bytes(n), f === fragments - 1, f === 0 && rsv1);
      if (rng.chance(0.3)) frame(rng.pick([8, 9, 10]), bytes(rng.below(126)), true, false);
    }
  }
  return { bytes: Buffer.concat(parts), expected };
}

/** Generated frames come back exactly, in any split. */
function roundTrip(rng) {
  const g = generateFrames(rng);
  const stream = g.bytes.subarray(1);
  const events = parseFrames(stream, cutPoints(stream.length, rng.next()), frameConfig(g.bytes[0]));
  checkEqual(events, g.expected, "round-tripped frames");
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "ws-frames",
  description:
    "WebSocket frames (first byte: masking, RSV1, pausing), pieces vs whole vs reference",
  coverage: ["/packages/websocket/dist/frame-parser.js", "/packages/websocket/dist/masking.js"],
  maxLength: 4096,
  dictionary: [
    [0x81, 0x7e, 0x00, 0x7e],
    [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0],
    [0x89, 0x00],
    [0x88, 0x02, 0x03, 0xe8],
    [0x01, 0x00],
    [0x80, 0x00],
    [0x00, 0x00],
    [0xc1, 0x80, 1, 2, 3, 4],
  ].map((b) => Buffer.from(b)),
  generate: (rng) => generateFrames(rng).bytes,
  run,
  roundTrip,
};
