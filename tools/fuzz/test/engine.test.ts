// The coverage-guided engine itself: block coverage steers it to a bug random inputs miss, and
// it reports and minimizes what it finds.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BlockCoverage, fuzzTarget } from "../src/engine.mjs";
import { toyParse } from "./fixtures/toy-parser.mjs";

const run = promisify(execFile);
const script = fileURLToPath(new URL("./fixtures/fuzz-toy.mjs", import.meta.url));

describe("fuzzTarget", () => {
  it("reaches a bug behind four byte comparisons by following coverage, and minimizes it", async () => {
    // In a process of its own: coverage snapshots of a test runner's many scripts are slow.
    // Random 4-byte inputs hit the bug once in 2^32 tries; with coverage feedback each
    // comparison is a step of its own (a few thousand runs for seed 4; deterministic).
    const { stdout } = await run(process.execPath, [script, "60000", "4"], { timeout: 30_000 });
    const out = JSON.parse(stdout);
    expect(out.found).toEqual([{ signature: "Error: planted bug", input: "0d0a3a3b" }]);
    expect(out.runs).toBeLessThan(60_000);
    // The corpus kept an input for each comparison passed.
    expect(out.corpus).toBeGreaterThanOrEqual(4);
  });

  it("refuses to run without a time or count bound", async () => {
    const target = {
      name: "toy",
      description: "",
      coverage: [],
      maxLength: 4,
      dictionary: [],
      generate: () => Buffer.alloc(4),
      run: () => {},
    };
    await expect(fuzzTarget(target, {})).rejects.toThrow(RangeError);
  });
});

describe("BlockCoverage", () => {
  it("reports the blocks that ran and did not run since the last take", () => {
    const cov = new BlockCoverage(["/fixtures/toy-parser.mjs"]);
    try {
      cov.take();
      toyParse(Buffer.from("\r\n:"));
      const { features, work } = cov.take();
      // The function ran, and the block of the comparison that failed did not.
      expect(features.length).toBeGreaterThanOrEqual(2);
      expect(work).toBeGreaterThan(0);
      // Nothing ran since: nothing is reported.
      expect(cov.take().work).toBe(0);
    } finally {
      cov.close();
    }
  });
});
