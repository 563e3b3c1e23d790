// Target: the length-prefixed msgpack frame reader of @t/rpc (frame-codec.ts).

import { inspect } from "node:util";
import { Decoder } from "@msgpack/msgpack";
import { FrameReader, FrameWriter, RpcFrameTooLargeError, RpcProtocolError } from "@t/rpc";
import { check, checkEqual, expectDocumented, FuzzFinding } from "../oracle.mjs";
import { cutPoints, hashBytes } from "../rng.mjs";

const MAX_FRAME = 512;
const STALE = Buffer.from([0, 0, 0, 1, 0xc0]);

function show(message) {
  return inspect(message, {
    depth: Number.POSITIVE_INFINITY,
    maxArrayLength: Number.POSITIVE_INFINITY,
    maxStringLength: Number.POSITIVE_INFINITY,
    breakLength: Number.POSITIVE_INFINITY,
  });
}

function isDocumented(err) {
  return (
    (err instanceof RpcFrameTooLargeError && err.code === "T_ERR_RPC_FRAME_TOO_LARGE") ||
    (err instanceof RpcProtocolError && err.code === "T_ERR_RPC_PROTOCOL")
  );
}

/**
 * Feed `stream` in the pieces `cuts` like IOStream's data consumer (the unconsumed tail is
 * offered again, with stale bytes around each window, which is scribbled over after each call).
 * With `pause`, the reader is paused after every message and resumed by the driver. Returns the
 * messages (as inspected at delivery and checked again after the window was overwritten) and
 * the error class name, or "".
 */
export function readFrames(stream, cuts, pause) {
  const delivered = [];
  const shown = [];
  const canPause = pause && typeof FrameReader.prototype.pause === "function";
  const reader = new FrameReader(MAX_FRAME, (m) => {
    delivered.push(m);
    shown.push(show(m));
    if (canPause) reader.pause();
  });
  let leftover = Buffer.alloc(0);
  let error = "";
  try {
    for (let p = 1; p < cuts.length; p++) {
      const piece = stream.subarray(cuts[p - 1], cuts[p]);
      const buf = Buffer.concat([STALE, leftover, piece, STALE]);
      let pos = STALE.length;
      const end = pos + leftover.length + piece.length;
      for (;;) {
        const n = reader.consume(buf, pos, end);
        check(n >= 0 && n <= end - pos, () => `consume returned ${n} for ${end - pos} bytes`);
        pos += n;
        if (canPause && reader.isPaused) {
          // The frames a pause kept are delivered (one per resume here) before more is read.
          while (reader.isPaused || reader.heldBytes > 0) {
            reader.resume();
            reader.deliverHeld();
          }
          if (pos < end) continue;
        }
        break;
      }
      const rest = end - pos;
      check(
        rest < 4 || buf.readUInt32BE(pos) + 4 > rest,
        () => `a complete frame was left unconsumed (${rest} bytes)`,
      );
      leftover = Buffer.from(buf.subarray(pos, end));
      buf.fill(0xee);
    }
  } catch (err) {
    expectDocumented(err, isDocumented, "FrameReader.consume");
    error = err.name;
  }
  for (let i = 0; i < delivered.length; i++) {
    check(
      show(delivered[i]) === shown[i],
      "a delivered message changed when the read window was reused",
    );
  }
  return { messages: shown, error };
}

/** Every frame decoded on its own by a fresh msgpack Decoder. */
export function referenceFrames(stream) {
  const messages = [];
  let pos = 0;
  while (stream.length - pos >= 4) {
    const n = stream.readUInt32BE(pos);
    if (n > MAX_FRAME) return { messages, error: "RpcFrameTooLargeError" };
    if (stream.length - pos - 4 < n) break;
    try {
      messages.push(show(new Decoder().decode(stream.subarray(pos + 4, pos + 4 + n))));
    } catch {
      return { messages, error: "RpcProtocolError" };
    }
    pos += 4 + n;
  }
  return { messages, error: "" };
}

function isPrefix(short, long) {
  return short.length <= long.length && short.every((m, i) => m === long[i]);
}

function run(input) {
  if (input.length === 0) return;
  const pause = (input[0] & 1) === 1;
  const stream = input.subarray(1);
  const whole = readFrames(stream, [0, stream.length], pause);
  const pieces = readFrames(stream, cutPoints(stream.length, hashBytes(input)), pause);
  const ref = referenceFrames(stream);
  for (const [out, how] of [
    [pieces, "pieces"],
    [whole, "one piece"],
  ]) {
    // The reader checks every length in a window before decoding any of its frames, so a
    // too-large frame may be reported instead of a malformed payload in front of it.
    if (ref.error === "RpcProtocolError" && out.error === "RpcFrameTooLargeError") continue;
    checkEqual(out.error, ref.error, `error (${how} vs reference)`);
  }
  if (ref.error === "") {
    checkEqual(pieces.messages, ref.messages, "messages (pieces vs reference)");
    checkEqual(whole.messages, ref.messages, "messages (one piece vs reference)");
  } else {
    // Lengths are checked for a whole window before any of its frames is delivered, so a
    // bigger window may deliver fewer messages before the error; never different ones.
    check(isPrefix(pieces.messages, ref.messages), "messages before the error (pieces) differ");
    check(isPrefix(whole.messages, ref.messages), "messages before the error (one piece) differ");
  }
}

const SAMPLES = [
  [0, 1, "echo", ["hello", 42]],
  [1, 1, null, { ok: true, list: [1.5, -1, 2 ** 40] }],
  [2, "notify", [Buffer.from([1, 2, 3])]],
  [3, 7, "client-1"],
  [4, { name: "RpcProtocolError", message: "bad", code: "T_ERR_RPC_PROTOCOL" }],
  [1, 2, { name: "Error", message: "x", code: null, data: new Date(0) }, null],
];

/** A random valid stream: messages encoded by FrameWriter, as the peer would send them. */
export function generateStream(rng) {
  const writer = new FrameWriter(MAX_FRAME);
  const messages = [];
  const n = rng.below(6);
  for (let i = 0; i < n; i++) {
    const m = rng.pick(SAMPLES);
    writer.append(m);
    messages.push(m);
  }
  const batch = writer.take();
  const bytes = batch === null ? Buffer.alloc(0) : Buffer.from(batch);
  return { bytes: Buffer.concat([Buffer.from([rng.below(2)]), bytes]), messages };
}

/** Generated frames arrive as the messages written, in any split. */
function roundTrip(rng) {
  const g = generateStream(rng);
  const stream = g.bytes.subarray(1);
  const out = readFrames(stream, cutPoints(stream.length, rng.next()), (g.bytes[0] & 1) === 1);
  if (out.error !== "") throw new FuzzFinding(`valid frames rejected: ${out.error}`);
  checkEqual(out.messages.length, g.messages.length, "number of round-tripped messages");
  const ref = referenceFrames(stream);
  checkEqual(out.messages, ref.messages, "round-tripped messages");
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "rpc-frames",
  description:
    "RPC length-prefixed msgpack frames (first byte: pause), pieces vs whole vs reference",
  coverage: ["/packages/rpc/dist/frame-codec.js", "/@msgpack/msgpack/dist.esm/Decoder"],
  maxLength: 4096,
  dictionary: [
    [0, 0, 0, 0],
    [0, 0, 2, 1],
    [0xff, 0xff, 0xff, 0xff],
    [0xdd, 0xff, 0xff, 0xff, 0xff],
    [0xdf, 0x7f, 0xff, 0xff, 0xff],
    [0xc6, 0x00, 0x00, 0x10, 0x00],
    [0xd6, 0xff, 0, 0, 0, 0],
    [0xc7, 0x0c, 0xff],
    [0x81, 0xa9, ...Buffer.from("__proto__"), 0x80],
    [0xc1],
  ].map((b) => Buffer.from(b)),
  generate: (rng) => generateStream(rng).bytes,
  run,
  roundTrip,
};
