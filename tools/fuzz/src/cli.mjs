// `pnpm fuzz`: run every target (or the ones named) for a while, keep the corpus, save findings.
//
//   node src/cli.mjs [target…]          FUZZ_SECONDS per target (default 30), FUZZ_SEED, FUZZ_RUNS
//   node src/cli.mjs --replay <target> <file>   run one saved input and print the outcome

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { fuzzTarget, inputId } from "./engine.mjs";
import { TARGETS, targetNamed } from "./target.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpusRoot = join(root, "corpus");
const findingsRoot = join(root, "findings");

function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return v;
}

function loadCorpus(name) {
  const dir = join(corpusRoot, name);
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f)));
  } catch {
    return [];
  }
}

function saveCorpus(name, corpus) {
  const dir = join(corpusRoot, name);
  mkdirSync(dir, { recursive: true });
  for (const input of corpus) writeFileSync(join(dir, `${inputId(input)}.bin`), input);
}

function saveFinding(f) {
  mkdirSync(findingsRoot, { recursive: true });
  const id = f.input === null ? `seed-${f.roundTripSeed}` : inputId(f.input);
  const base = join(findingsRoot, `${f.target}-${id}`);
  if (f.input !== null) writeFileSync(`${base}.bin`, f.input);
  const stack = f.error instanceof Error ? inspect(f.error, { depth: 3 }) : String(f.error);
  const lines = [
    `target: ${f.target}`,
    `signature: ${f.signature}`,
    f.input === null
      ? `roundTrip seed: ${f.roundTripSeed} (targetNamed("${f.target}").roundTrip(new Rng(${f.roundTripSeed})))`
      : `input (${f.input.length} bytes, latin1): ${JSON.stringify(f.input.toString("latin1"))}`,
    f.input === null ? "" : `input (hex): ${f.input.toString("hex")}`,
    "",
    stack,
    "",
  ];
  writeFileSync(`${base}.txt`, lines.join("\n"));
  return base;
}

async function replay(name, file) {
  const target = targetNamed(name);
  const input = readFileSync(file);
  try {
    await target.run(input);
    console.log(`${name}: no finding for ${file}`);
  } catch (err) {
    console.log(inspect(err, { depth: 3 }));
    process.exitCode = 1;
  }
}

async function main(argv) {
  if (argv[0] === "--replay") {
    if (argv.length !== 3) throw new TypeError("usage: --replay <target> <file>");
    await replay(argv[1], argv[2]);
    return;
  }
  const seconds = envNumber("FUZZ_SECONDS", 30);
  const runs = process.env.FUZZ_RUNS ? envNumber("FUZZ_RUNS", 0) : undefined;
  const seed = envNumber("FUZZ_SEED", (Date.now() % 0x7fffffff) + 1);
  const targets = argv.length === 0 ? TARGETS : argv.map(targetNamed);
  console.log(`fuzzing ${targets.map((t) => t.name).join(", ")}: ${seconds} s each, seed ${seed}`);
  let total = 0;
  for (const target of targets) {
    const out = await fuzzTarget(target, {
      seconds,
      runs,
      seed,
      initial: loadCorpus(target.name),
      log: (line) => console.log(line),
    });
    saveCorpus(target.name, out.corpus);
    console.log(
      `[${target.name}] done: ${out.runs} runs, corpus ${out.corpus.length}, features ${out.features}, ` +
        `most work ${out.worstWorkPerByte.toFixed(1)} blocks per input byte, ${out.findings.length} finding(s)`,
    );
    for (const f of out.findings)
      console.log(`  ${f.signature}\n    saved to ${saveFinding(f)}.txt`);
    total += out.findings.length;
  }
  if (total > 0) {
    console.log(`${total} finding(s); see ${findingsRoot}`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
