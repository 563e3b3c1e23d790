// The coverage-guided loop: V8 block coverage of the parser under test decides which mutants are kept.

import { createHash } from "node:crypto";
import { Session } from "node:inspector";
import { havoc } from "./mutate.mjs";
import { signatureOf } from "./oracle.mjs";
import { Rng } from "./rng.mjs";

/** AFL-style hit-count buckets: a block run 0, 1, 2, 3, 4–7, 8–15, … times is a different feature. */
function bucket(count) {
  if (count <= 3) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

/** The process's one inspector session with precise coverage on (restarting it loses counts). */
let shared = null;

function post(method, params) {
  let result;
  let error;
  // Inspector calls on the main thread's own session complete synchronously.
  shared.post(method, params, (err, res) => {
    error = err;
    result = res;
  });
  if (error) throw error;
  return result;
}

/**
 * Precise block coverage from V8 (through an in-process inspector session), restricted to the
 * scripts whose URL contains one of `filters`. Each `take()` returns what ran since the last
 * `take()` of any instance. The session is started once per process and kept: stopping and
 * restarting precise coverage leaves V8 reporting incomplete counts.
 */
export class BlockCoverage {
  /** @param {string[]} filters URL fragments of the scripts to watch */
  constructor(filters) {
    this.filters = filters;
    if (shared === null) {
      shared = new Session();
      shared.connect();
      post("Profiler.enable");
      post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
    }
    /** @type {Map<string, number>} */
    this.scriptIds = new Map();
  }

  /**
   * The features (block × hit-count bucket) seen since the last call, and the work done: the
   * sum of all block counts, a machine-independent measure of how much the parser looped.
   * @returns {{ features: string[], work: number }}
   */
  take() {
    const { result } = post("Profiler.takePreciseCoverage");
    const features = [];
    let work = 0;
    for (const script of result) {
      if (!this.filters.some((f) => script.url.includes(f))) continue;
      let id = this.scriptIds.get(script.url);
      if (id === undefined) {
        id = this.scriptIds.size;
        this.scriptIds.set(script.url, id);
      }
      for (const fn of script.functions) {
        // V8 reports a nested range only where its count differs from the enclosing one, so a
        // block that did not run (count 0) marks how far execution got: a feature too.
        for (const r of fn.ranges) {
          work += r.count;
          features.push(`${id}:${r.startOffset}:${bucket(r.count)}`);
        }
      }
    }
    return { features, work };
  }

  /** Forget the counts collected so far (the session stays on for the next instance). */
  close() {
    post("Profiler.takePreciseCoverage");
  }
}

async function failureOf(target, input) {
  try {
    await target.run(input);
    return null;
  } catch (err) {
    return err;
  }
}

/**
 * Shrink a failing input: remove ever smaller ranges while the failure keeps its signature,
 * then turn unprintable bytes into "A" where that keeps it. At most `budget` runs.
 */
export async function minimize(target, input, signature, budget = 3000) {
  let best = input;
  let runs = 0;
  const same = async (candidate) => {
    runs++;
    const err = await failureOf(target, candidate);
    return err !== null && signatureOf(err) === signature;
  };
  for (let size = best.length >> 1; size >= 1 && runs < budget; size >>= 1) {
    for (let at = 0; at + size <= best.length && runs < budget; ) {
      const candidate = Buffer.concat([best.subarray(0, at), best.subarray(at + size)]);
      if (await same(candidate)) best = candidate;
      else at += size;
    }
  }
  for (let i = 0; i < best.length && runs < budget; i++) {
    // Only unprintable bytes are simplified: letters and separators stay readable.
    const c = best[i];
    if ((c >= 0x20 && c < 0x7f) || c === 0x0d || c === 0x0a || c === 0x09) continue;
    const candidate = Buffer.from(best);
    candidate[i] = 0x41;
    if (await same(candidate)) best = candidate;
  }
  return best;
}

/**
 * A finding: the target, its signature, the (minimized) input or the round-trip seed, and the
 * exception with its stack.
 * @typedef {{ target: string, signature: string, input: Buffer | null, roundTripSeed: number | null, error: unknown }} Finding
 */

/**
 * Fuzz one target until `seconds` have passed or `runs` inputs were tried (whichever first).
 * The corpus starts from `initial` plus generated valid inputs; a mutant joins it when it hits a
 * block/hit-count feature no earlier input hit. Findings are minimized and reported once per
 * signature (`stopOnFinding` ends the run at the first). Returns the findings, the final corpus
 * and statistics.
 * @param {import("./target.mjs").Target} target
 * @param {{ seconds?: number, runs?: number, seed?: number, initial?: Buffer[],
 *   maxWorkPerByte?: number, log?: (line: string) => void, minimizeBudget?: number,
 *   stopOnFinding?: boolean }} [options]
 */
export async function fuzzTarget(target, options = {}) {
  const seconds = options.seconds ?? Number.POSITIVE_INFINITY;
  const maxRuns = options.runs ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(seconds) && !Number.isFinite(maxRuns)) {
    throw new RangeError("fuzzTarget needs a time bound (seconds) or a count bound (runs)");
  }
  const rng = new Rng(options.seed ?? 1);
  const log = options.log ?? (() => {});
  const maxWorkPerByte = options.maxWorkPerByte ?? 200;
  const coverage = new BlockCoverage(target.coverage);
  const seen = new Set();
  /** @type {Buffer[]} */
  const corpus = [];
  /** @type {Finding[]} */
  const findings = [];
  const signatures = new Set();
  const ctx = { dictionary: target.dictionary, corpus, maxLength: target.maxLength };
  const deadline = Date.now() + seconds * 1000;
  let runs = 0;
  let worst = { ratio: 0, input: Buffer.alloc(0) };
  let lastLog = Date.now();

  const report = async (err, input, roundTripSeed, shrink = true) => {
    const signature = signatureOf(err);
    if (signatures.has(signature)) return;
    signatures.add(signature);
    const small =
      input === null || !shrink
        ? input
        : await minimize(target, input, signature, options.minimizeBudget);
    coverage.take();
    findings.push({ target: target.name, signature, input: small, roundTripSeed, error: err });
    log(`[${target.name}] FINDING ${signature}`);
  };

  const execute = async (input) => {
    runs++;
    let err = null;
    try {
      await target.run(input);
    } catch (e) {
      err = e;
    }
    const { features, work } = coverage.take();
    if (err !== null) {
      await report(err, input, null);
      return;
    }
    const ratio = work / (input.length + 64);
    if (ratio > worst.ratio) worst = { ratio, input };
    if (ratio > maxWorkPerByte) {
      const e = new Error(
        `work ${work} blocks for ${input.length} bytes: more than ${maxWorkPerByte} per byte`,
      );
      e.name = "SuperlinearWork";
      await report(e, input, null, false);
    }
    let fresh = false;
    for (const f of features) {
      if (!seen.has(f)) {
        seen.add(f);
        fresh = true;
      }
    }
    if (fresh) corpus.push(input);
  };

  const start = [...(options.initial ?? [])];
  for (let i = 0; i < 32; i++) start.push(target.generate(rng));
  coverage.take();
  for (const input of start) {
    if (runs >= maxRuns) break;
    await execute(input.length > target.maxLength ? input.subarray(0, target.maxLength) : input);
  }
  if (corpus.length === 0) corpus.push(start[0] ?? Buffer.alloc(0));

  const stop = options.stopOnFinding === true;
  while (runs < maxRuns && Date.now() < deadline && !(stop && findings.length > 0)) {
    const r = rng.below(100);
    if (r < 2 && target.roundTrip !== undefined) {
      const seed = rng.next();
      runs++;
      try {
        await target.roundTrip(new Rng(seed));
      } catch (err) {
        await report(err, null, seed);
      }
      coverage.take();
      continue;
    }
    let input;
    if (r < 5) input = target.generate(rng);
    else {
      const recent = rng.chance(0.5) && corpus.length > 16;
      const parent = recent ? corpus[corpus.length - 1 - rng.below(16)] : rng.pick(corpus);
      input = havoc(parent, rng, ctx);
    }
    await execute(input);
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`[${target.name}] ${runs} runs, corpus ${corpus.length}, features ${seen.size}`);
    }
  }
  coverage.close();
  return {
    findings,
    corpus,
    runs,
    features: seen.size,
    worstWorkPerByte: worst.ratio,
    worstInput: worst.input,
  };
}

/** A short stable name for an input (first 12 hex digits of its SHA-1). */
export function inputId(input) {
  return createHash("sha1").update(input).digest("hex").slice(0, 12);
}
