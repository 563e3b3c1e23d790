// Target: the incremental chunked transfer-coding decoder of @t/httpserver (chunked-decoder.ts).

import { HTTPInputError } from "@t/httpserver";
import { ChunkedDecoder } from "../../../../packages/httpserver/dist/chunked-decoder.js";
import { check, checkEqual, expectDocumented, FuzzFinding } from "../oracle.mjs";
import { cutPoints, hashBytes } from "../rng.mjs";

/** Limits of the emulated server: small, so that 413 and 431 are reachable. */
const MAX_BODY = 65536;
const MAX_TRAILER = 256;
const MAX_EXT = 1024;
/** Stale bytes around each window handed to the decoder. */
const STALE = Buffer.from("0\r\n\r\n", "latin1");
const STATUSES = new Set([400, 413, 431]);

function isDocumented(err) {
  return (
    err instanceof HTTPInputError && err.code === "T_ERR_HTTP_INPUT" && STATUSES.has(err.statusCode)
  );
}

/**
 * Decode `input` fed in the pieces `cuts`, each piece handed over `step` bytes at a time like
 * the connection's `chunkSize`. Checks the decoder's contract on every call: it consumes all it
 * is given unless the message ended, makes progress, and passes data inside the window.
 * Returns `{ data, consumed, done, total, status }` (`status` 0 when no error).
 */
export function decodeChunked(input, cuts, step) {
  const dec = new ChunkedDecoder();
  dec.reset(MAX_BODY, MAX_TRAILER);
  const parts = [];
  let lo = 0;
  let hi = 0;
  const sink = {
    onChunkData(buf, s, e) {
      check(
        s >= lo && e <= hi && s <= e,
        () => `chunk data ${s}..${e} outside the window ${lo}..${hi}`,
      );
      parts.push(Buffer.from(buf.subarray(s, e)));
    },
  };
  let consumed = 0;
  let status = 0;
  try {
    for (let p = 1; p < cuts.length && !dec.done; p++) {
      const piece = input.subarray(consumed, cuts[p]);
      const buf = Buffer.concat([STALE, piece, STALE]);
      let pos = STALE.length;
      const end = pos + piece.length;
      while (pos < end && !dec.done) {
        const limit = Math.min(end, pos + step);
        lo = pos;
        hi = limit;
        const n = dec.decode(buf, pos, limit, sink);
        check(n >= 0 && n <= limit - pos, () => `decode returned ${n} for ${limit - pos} bytes`);
        check(
          dec.done || n === limit - pos,
          () => `decode stopped after ${n} of ${limit - pos} bytes before the end`,
        );
        check(n > 0, "decode made no progress");
        pos += n;
        consumed += n;
      }
    }
  } catch (err) {
    expectDocumented(err, isDocumented, "chunked decoding");
    status = err.statusCode;
  }
  return { data: Buffer.concat(parts), consumed, done: dec.done, total: dec.total, status };
}

const TOK = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QS =
  '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\x7e\\x80-\\xff])*"';
const EXT = `;[ \\t]*${TOK}(?:[ \\t]*=[ \\t]*(?:${TOK}|${QS}))?[ \\t]*`;
const SIZE_LINE = new RegExp(`^([0-9A-Fa-f]+)(?:[ \\t]*(?:${EXT})+)?$`);
const TRAILER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

/**
 * RFC 9112 §7.1 read line by line with regular expressions: `{ kind: "done", data, consumed }`,
 * `{ kind: "error" }` (found on a complete line) or `{ kind: "incomplete", data }`.
 */
export function referenceChunked(input) {
  const text = input.toString("latin1");
  const parts = [];
  let pos = 0;
  let total = 0;
  const incomplete = () => ({ kind: "incomplete", data: Buffer.concat(parts) });
  for (;;) {
    const cr = text.indexOf("\r", pos);
    if (cr === -1 || cr + 1 >= text.length) return incomplete();
    if (text[cr + 1] !== "\n") return { kind: "error" };
    const line = text.slice(pos, cr);
    const m = SIZE_LINE.exec(line);
    if (m === null || m[1].length > 13) return { kind: "error" };
    const semi = line.indexOf(";");
    if (semi !== -1 && line.length - semi > MAX_EXT) return { kind: "error" };
    const size = Number.parseInt(m[1], 16);
    pos = cr + 2;
    if (size === 0) break;
    total += size;
    if (total > MAX_BODY) return { kind: "error" };
    const avail = Math.min(size, input.length - pos);
    parts.push(input.subarray(pos, pos + avail));
    if (avail < size) return incomplete();
    pos += size;
    if (pos + 2 > input.length) {
      if (pos < input.length && text[pos] !== "\r") return { kind: "error" };
      return incomplete();
    }
    if (text.slice(pos, pos + 2) !== "\r\n") return { kind: "error" };
    pos += 2;
  }
  let trailerBytes = 0;
  for (;;) {
    const cr = text.indexOf("\r", pos);
    if (cr === -1 || cr + 1 >= text.length) return incomplete();
    if (text[cr + 1] !== "\n") return { kind: "error" };
    const line = text.slice(pos, cr);
    trailerBytes += line.length + 1;
    if (trailerBytes > MAX_TRAILER) return { kind: "error" };
    pos = cr + 2;
    if (line === "") break;
    if (!TRAILER_LINE.test(line)) return { kind: "error" };
  }
  return { kind: "done", data: Buffer.concat(parts), consumed: pos, total };
}

function stepFor(seed) {
  return [1, 3, 7, 64, 65536][seed % 5];
}

function run(input) {
  const seed = hashBytes(input);
  const whole = decodeChunked(input, [0, input.length], 65536);
  const pieces = decodeChunked(input, cutPoints(input.length, seed), stepFor(seed >>> 8));
  checkEqual(pieces.status, whole.status, "error status (pieces vs one piece)");
  checkEqual(pieces.done, whole.done, "done (pieces vs one piece)");
  if (whole.status === 0) {
    checkEqual(pieces.consumed, whole.consumed, "bytes consumed (pieces vs one piece)");
    checkEqual(pieces.data, whole.data, "decoded bytes (pieces vs one piece)");
  }
  check(
    whole.total <= MAX_BODY || whole.status === 413,
    "declared sizes above maxBodySize accepted",
  );
  check(whole.data.length <= whole.total, "more data than the chunk sizes declare");
  const ref = referenceChunked(input);
  if (ref.kind === "done") {
    if (whole.status !== 0)
      throw new FuzzFinding(`valid chunked body rejected with ${whole.status}`);
    check(whole.done, "a complete chunked body did not finish the decoder");
    checkEqual(whole.consumed, ref.consumed, "bytes consumed (decoder vs reference)");
    checkEqual(whole.data, ref.data, "decoded bytes (decoder vs reference)");
    checkEqual(whole.total, ref.total, "declared body size (decoder vs reference)");
  } else if (ref.kind === "error") {
    check(whole.status !== 0, "the decoder accepted a body the reference rejects");
  } else if (whole.status === 0) {
    check(!whole.done, "the decoder finished a body the reference finds incomplete");
    checkEqual(whole.data, ref.data, "decoded bytes so far (decoder vs reference)");
  }
}

function extension(rng) {
  const tok = () => rng.pick(["a", "name", "x-y", "q1", "!#$%&'*+-.^_`|~"]);
  const ws = () => rng.pick(["", "", " ", "\t "]);
  let s = `${ws()};${ws()}${tok()}`;
  const r = rng.below(3);
  if (r === 1) s += `${ws()}=${ws()}${tok()}`;
  if (r === 2) s += `${ws()}=${ws()}"v\\"a l;u=e\\\\"`;
  return s + ws();
}

/**
 * A random valid chunked body: the data it carries, its encoding and how many bytes of that
 * encoding belong to the message (the rest is the next request).
 */
export function generateChunked(rng) {
  const data = [];
  const enc = [];
  const n = rng.below(6);
  for (let i = 0; i < n; i++) {
    const len = 1 + rng.below(rng.chance(0.1) ? 3000 : 40);
    const chunk = Buffer.alloc(len);
    for (let k = 0; k < len; k++)
      chunk[k] = rng.chance(0.1) ? rng.pick([13, 10, 0x30]) : rng.below(256);
    data.push(chunk);
    let size = len.toString(16);
    if (rng.chance(0.3)) size = size.toUpperCase();
    if (rng.chance(0.1)) size = `000${size}`;
    let line = size;
    while (rng.chance(0.2)) line += extension(rng);
    enc.push(Buffer.from(`${line}\r\n`, "latin1"), chunk, Buffer.from("\r\n"));
  }
  let last = rng.chance(0.2) ? "000" : "0";
  if (rng.chance(0.2)) last += extension(rng);
  enc.push(Buffer.from(`${last}\r\n`, "latin1"));
  while (rng.chance(0.3)) enc.push(Buffer.from(`X-T${rng.below(99)}: v \t\x80\r\n`, "latin1"));
  enc.push(Buffer.from("\r\n"));
  const message = Buffer.concat(enc);
  const after = rng.chance(0.3) ? Buffer.from("GET / HTTP/1.1\r\n", "latin1") : Buffer.alloc(0);
  return {
    bytes: Buffer.concat([message, after]),
    data: Buffer.concat(data),
    length: message.length,
  };
}

/** A generated body decodes to its data in any split, consuming exactly the message. */
function roundTrip(rng) {
  const g = generateChunked(rng);
  const out = decodeChunked(g.bytes, cutPoints(g.bytes.length, rng.next()), stepFor(rng.next()));
  checkEqual(out.status, 0, "error status of a valid chunked body");
  check(out.done, "a valid chunked body did not finish");
  checkEqual(out.consumed, g.length, "bytes consumed of a valid chunked body");
  checkEqual(out.data, g.data, "decoded data of a valid chunked body");
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "chunked",
  description: "chunked bodies fed whole and in pieces, against a line-based reference",
  coverage: ["/packages/httpserver/dist/chunked-decoder.js"],
  maxLength: 8192,
  dictionary: [
    "\r\n",
    "0\r\n\r\n",
    ";",
    "=",
    '"',
    "\\",
    " ",
    "\t",
    "ffffffffffffff",
    "X: y\r\n",
  ].map((s) => Buffer.from(s, "latin1")),
  generate: (rng) => generateChunked(rng).bytes,
  run,
  roundTrip,
};
