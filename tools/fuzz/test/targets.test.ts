// The CI pass: every target's oracles on a fixed number of mutated valid inputs (fast-check, so
// a failure is shrunk to a short list of mutations), and on generated round trips.

import fc from "fast-check";
import { describe, it } from "vitest";
import { applyMutation, MUTATION_KINDS } from "../src/mutate.mjs";
import { Rng } from "../src/rng.mjs";
import { TARGETS } from "../src/target.mjs";

/** Inputs per target (FUZZ_RUNS overrides); the cost is about 1 ms per input or less. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
/** A fixed seed keeps CI deterministic; FUZZ_SEED explores other inputs. */
const SEED = Number(process.env.FUZZ_SEED ?? 14);

type Target = (typeof TARGETS)[number];

function mutants(target: Target): fc.Arbitrary<Buffer> {
  const corpus = Array.from({ length: 8 }, (_, i) => target.generate(new Rng(1000 + i)));
  const ctx = { dictionary: target.dictionary, corpus, maxLength: target.maxLength };
  const mutation = fc.record({
    kind: fc.nat(MUTATION_KINDS - 1),
    a: fc.nat(),
    b: fc.nat(),
    c: fc.nat(),
  });
  const mutated = fc
    .tuple(fc.nat(), fc.array(mutation, { maxLength: 8 }))
    .map(([seed, ops]) =>
      ops.reduce((buf, op) => applyMutation(buf, op, ctx), target.generate(new Rng(seed))),
    );
  const raw = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
  return fc.oneof({ weight: 9, arbitrary: mutated }, { weight: 1, arbitrary: raw });
}

describe.each(TARGETS.map((t) => [t.name, t] as const))("fuzz target %s", (_name, target) => {
  // The async targets (zlib) cost more per input: a third of the count.
  const runs =
    target.name === "ws-deflate" || target.name === "gzip-body" ? Math.ceil(RUNS / 3) : RUNS;

  it(`holds its oracles on ${runs} mutated valid inputs`, async () => {
    await fc.assert(
      fc.asyncProperty(mutants(target), async (input) => {
        await target.run(input);
      }),
      { numRuns: runs, seed: SEED, endOnFailure: false },
    );
  });

  if (target.roundTrip !== undefined) {
    const roundTrip = target.roundTrip;
    it(`round-trips ${runs} generated values`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), async (seed) => {
          await roundTrip(new Rng(seed));
        }),
        { numRuns: runs, seed: SEED },
      );
    });
  }
});
