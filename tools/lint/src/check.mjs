// One run of the direction-rule check over a repository: dependency-cruiser's import rules plus the package.json rules.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cruise } from "dependency-cruiser";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { cruiserConfig, LAYERS_FILE } from "./cruiser-config.mjs";
import { layersBelow } from "./layer-graph.mjs";
import { checkManifests } from "./manifest-checks.mjs";
import { readWorkspace } from "./workspace.mjs";

/** @typedef {import("./manifest-checks.mjs").Finding} Finding */
/** @typedef {Finding & { why: string }} Known a finding on the known list, with why it is there */

/** Where the known violations live, relative to the root. */
export const KNOWN_FILE = "tools/lint/src/known-violations.mjs";

/** The folders of each workspace package that the check reads. */
export const CHECKED_FOLDERS = ["src", "test"];

/**
 * Checks the direction rule and import cycles over `root`'s packages, apps and tools
 * (their `src/` and `test/`, TypeScript and JavaScript), without a build.
 *
 * @param {object} [args]
 * @param {string} [args.root] the repository root (absolute; default: this repository)
 * @param {Record<string, readonly string[]>} [args.table] the layer table (default: the
 *   `LAYERS` of `<root>/tools/lint/src/layers.mjs`, so a test repository brings its own)
 * @param {readonly Known[]} [args.known]
 *   findings that do not fail (default: `<root>/tools/lint/src/known-violations.mjs`, if any)
 * @returns {Promise<{ findings: Finding[], known: Known[], stale: Known[], modules: number }>}
 *   every violation, sorted by rule and place, except those on the known list (`known`: the
 *   entries that still occur; `stale`: those that no longer do); `modules`: files read
 */
export async function checkDirection({
  root = join(import.meta.dirname, "../../.."),
  table,
  known,
} = {}) {
  table ??= (await import(pathToFileURL(join(root, LAYERS_FILE)).href)).LAYERS;
  known ??= existsSync(join(root, KNOWN_FILE))
    ? (await import(pathToFileURL(join(root, KNOWN_FILE)).href)).KNOWN_VIOLATIONS
    : [];
  const workspace = readWorkspace(root);
  const config = cruiserConfig({ root, workspace, table });
  const starts = workspace.flatMap((p) =>
    CHECKED_FOLDERS.map((f) => `${p.dir}/${f}`).filter((d) => existsSync(join(root, d))),
  );
  const { below, faults } = layersBelow(table, LAYERS_FILE);
  const { output } = await cruise(
    starts,
    { ...config.options, baseDir: root, ruleSet: { forbidden: config.forbidden }, validate: true },
    {},
    { tsConfig: extractTSConfig(config.options.tsConfig.fileName) },
  );
  if (typeof output === "string") throw new Error(`dependency-cruiser: ${output}`);
  const specifiers = new Map(
    output.modules.flatMap((m) =>
      m.dependencies.map((d) => [`${m.source}\0${d.resolved}`, d.module]),
    ),
  );

  const findings = [...faults];
  const cycles = new Set();
  for (const v of output.summary.violations) {
    if (v.type === "cycle" && v.cycle !== undefined) {
      // dependency-cruiser reports a cycle once per edge in it: keep one, started at its
      // first file in sort order, and mark the `import type` edges.
      const ring = v.cycle.map((c) => c.name);
      ring.unshift(ring.pop());
      const first = ring.indexOf([...ring].sort()[0]);
      const ordered = [...ring.slice(first), ...ring.slice(0, first)];
      const key = ordered.join("\0");
      if (cycles.has(key)) continue;
      cycles.add(key);
      const steps = [...ordered.slice(1), ordered[0]].map(
        (to, i) => `→ ${to}${typeOnly(output, ordered[i], to) ? " (import type)" : ""}`,
      );
      findings.push({ rule: v.rule.name, where: ordered[0], message: steps.join(" ") });
      continue;
    }
    const spec = specifiers.get(`${v.from}\0${v.to}`) ?? v.to;
    findings.push({
      rule: v.rule.name,
      where: v.from,
      message: `imports "${spec}"${spec === v.to ? "" : ` (${v.to})`}`,
    });
  }
  findings.push(...checkManifests({ workspace, table, below, modules: output.modules }));
  findings.sort(
    (a, b) => order(a.rule, b.rule) || order(a.where, b.where) || order(a.message, b.message),
  );
  const same = (f, k) => f.rule === k.rule && f.where === k.where && f.message === k.message;
  return {
    findings: findings.filter((f) => !known.some((k) => same(f, k))),
    known: known.filter((k) => findings.some((f) => same(f, k))),
    stale: known.filter((k) => !findings.some((f) => same(f, k))),
    modules: output.summary.totalCruised,
  };
}

/** Plain string order (code units), the same on every machine. */
function order(x, y) {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether every import from `from` to `to` is `import type` (the edge is then type-only). */
function typeOnly(output, from, to) {
  const m = output.modules.find((x) => x.source === from);
  const edges = m?.dependencies.filter((d) => d.resolved === to) ?? [];
  return edges.length > 0 && edges.every((d) => d.dependencyTypes.includes("type-only"));
}
