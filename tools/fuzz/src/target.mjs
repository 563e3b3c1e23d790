// The shape every fuzz target has, and the list of all of them.

import chunked from "./targets/chunked.mjs";
import cookies from "./targets/cookies.mjs";
import formBody from "./targets/form-body.mjs";
import gzipBody from "./targets/gzip-body.mjs";
import httpHead from "./targets/http-head.mjs";
import rpcFrames from "./targets/rpc-frames.mjs";
import wsDeflate from "./targets/ws-deflate.mjs";
import wsFrames from "./targets/ws-frames.mjs";

/**
 * One fuzz target: a parser, the valid inputs to start from and the oracles that judge an
 * input. `run` throws a FuzzFinding (or the parser's undocumented exception, wrapped in one)
 * when an oracle fails, and may return a promise.
 * @typedef {object} Target
 * @property {string} name short name, used on the command line
 * @property {string} description what is fuzzed and how the input is laid out
 * @property {string[]} coverage URL fragments of the modules whose block coverage guides the search
 * @property {number} maxLength longest input tried (bytes)
 * @property {Buffer[]} dictionary tokens of the format that mutations insert
 * @property {(rng: import("./rng.mjs").Rng) => Buffer} generate a random valid input
 * @property {(input: Buffer) => void | Promise<void>} run apply every oracle to one input
 * @property {((rng: import("./rng.mjs").Rng) => void | Promise<void>)} [roundTrip]
 *   encode a random structured value, parse it back and compare
 */

/** Every target, in the order `pnpm fuzz` runs them. */
export const TARGETS = [
  httpHead,
  chunked,
  formBody,
  gzipBody,
  cookies,
  wsFrames,
  wsDeflate,
  rpcFrames,
];

/** The target called `name`; throws a RangeError listing the names otherwise. */
export function targetNamed(name) {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) {
    throw new RangeError(
      `unknown fuzz target ${JSON.stringify(name)}: expected one of ${TARGETS.map((x) => x.name).join(", ")}`,
    );
  }
  return t;
}
