// Target: the streaming gunzip of request bodies in @t/httpserver (gzip-body-decoder.ts).

import { gunzipSync, gzipSync } from "node:zlib";
import { HTTPInputError } from "@t/httpserver";
import { GzipBodyDecoder } from "../../../../packages/httpserver/dist/gzip-body-decoder.js";
import { check, checkEqual, expectDocumented, FuzzFinding } from "../oracle.mjs";
import { cutPoints, hashBytes } from "../rng.mjs";

const MAX_OUTPUT = 16384;
const CHUNK = 1024;
/** Longer than any decode of at most 8 KiB can take: reaching it means neither end nor error. */
const HANG_MS = 20_000;

/**
 * Feed `data` in the pieces `cuts` (waiting whenever `write` asks to), end it, and wait for the
 * end or the error. With `slowSink` the sink answers every piece with a promise settled on a
 * later turn. Returns `{ data, status }` (`status` 0 when the body decoded).
 */
export async function gunzipBody(data, cuts, slowSink) {
  const pieces = [];
  let settle;
  const finished = new Promise((resolve) => {
    settle = resolve;
  });
  let errors = 0;
  const dec = new GzipBodyDecoder(
    {
      onDecodedData(piece) {
        check(errors === 0, "data after the error");
        check(
          piece.length <= CHUNK,
          () => `a decoded piece of ${piece.length} bytes (chunkSize ${CHUNK})`,
        );
        pieces.push(Buffer.from(piece));
        return slowSink ? new Promise((r) => setImmediate(r)) : undefined;
      },
      onDecodeError(err) {
        errors++;
        check(errors === 1, "onDecodeError called twice");
        settle({ err });
      },
    },
    MAX_OUTPUT,
    CHUNK,
  );
  for (let p = 1; p < cuts.length; p++) {
    const wait = dec.write(Buffer.from(data.subarray(cuts[p - 1], cuts[p])));
    if (wait !== null) await wait;
  }
  dec.end().then(() => settle({ err: null }));
  let timer;
  const hang = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ hang: true }), HANG_MS);
  });
  const out = await Promise.race([finished, hang]);
  clearTimeout(timer);
  dec.destroy();
  if (out.hang) throw new FuzzFinding("the gzip body neither ended nor failed");
  const total = Buffer.concat(pieces);
  check(total.length <= MAX_OUTPUT, () => `${total.length} bytes decoded past the cap`);
  if (out.err === null) return { data: total.toString("hex"), status: 0 };
  expectDocumented(
    out.err,
    (e) => e instanceof HTTPInputError && (e.statusCode === 400 || e.statusCode === 413),
    "gzip body decoding",
  );
  return { data: null, status: out.err.statusCode };
}

/** First byte: bit 0 selects a slow (promise-returning) sink; the rest is the gzip body. */
async function run(input) {
  if (input.length === 0) return;
  const slow = (input[0] & 1) === 1;
  const data = input.subarray(1);
  const whole = await gunzipBody(data, [0, data.length], slow);
  const pieces = await gunzipBody(data, cutPoints(data.length, hashBytes(input)), slow);
  // A body both past the cap and corrupt further on may fail either way (400 or 413),
  // depending on how far zlib got before the cap; anything else must agree exactly.
  if (whole.status === 0 || pieces.status === 0) {
    checkEqual(pieces, whole, "decoded body (pieces vs one piece)");
  }
  let ref;
  try {
    const plain = gunzipSync(data);
    ref =
      plain.length > MAX_OUTPUT
        ? { data: null, status: 413 }
        : { data: plain.toString("hex"), status: 0 };
  } catch {
    ref = null;
  }
  // zlib.gunzipSync is the reference for valid bodies (a corrupt tail after the cap may still
  // be reported as 413 by the streaming decoder, which stops at the cap).
  if (ref !== null) checkEqual(whole, ref, "decoded body (decoder vs gunzipSync)");
  else check(whole.status !== 0, "a body gunzipSync rejects was accepted");
}

function generate(rng) {
  const words = ["alpha ", "beta ", "\r\n", "\x00", "gamma delta "];
  let text = "";
  const n = rng.below(rng.chance(0.1) ? 4000 : 60);
  for (let i = 0; i < n; i++) text += rng.pick(words);
  let gz = gzipSync(Buffer.from(text, "latin1"), { level: rng.below(10) });
  if (rng.chance(0.2)) gz = Buffer.concat([gz, gzipSync(Buffer.from("second member"))]);
  if (rng.chance(0.1)) gz = gz.subarray(0, rng.below(gz.length));
  return Buffer.concat([Buffer.from([rng.below(2)]), gz]);
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "gzip-body",
  description: "gzip request bodies (first byte: slow sink), pieces vs whole vs gunzipSync",
  coverage: ["/packages/httpserver/dist/gzip-body-decoder.js"],
  maxLength: 8192,
  dictionary: [
    [0x1f, 0x8b, 0x08, 0x00],
    [0x1f, 0x8b, 0x08, 0x08],
    [0x03, 0x00],
    [0x00, 0x00, 0xff, 0xff],
    [0xff, 0xff, 0xff, 0xff],
  ].map((b) => Buffer.from(b)),
  generate,
  run,
};
