// The dependency-cruiser rules of the direction rule, generated from the layer table and the workspace.

import { join } from "node:path";
import { layersBelow } from "./layer-graph.mjs";

/** Where the layer table lives, relative to the root (named in messages). */
export const LAYERS_FILE = "tools/lint/src/layers.mjs";

/** The tsconfig that maps `@t/x` to `packages/x/src/index.ts`, so no build is needed. */
export const PATHS_TSCONFIG = "tools/lint/tsconfig.paths.json";

/**
 * Names of the import rules (checked by dependency-cruiser) and what each forbids. The
 * package.json rules are in manifest-checks.mjs.
 */
export const IMPORT_RULES = {
  "no-circular":
    "an import cycle; `import type` edges count (one of them turned into a value import makes it a runtime cycle)",
  "layer-direction": "an import of a @t package that is not below the importer in the layer table",
  "packages-not-to-apps-or-tools":
    "code in packages/ importing apps/ or tools/ (by path or by name); tests may use tools",
  "cross-package-by-path":
    "a package reaching into another package's folder by a relative path instead of its name",
};

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `^dir/test/…` or a `*.test.*` file under `^dir/`. */
const testsUnder = (dirPattern) => `^${dirPattern}/test/|^${dirPattern}/.*\\.test\\.[cm]?[jt]s$`;

/**
 * The packages a package's code may import (its own folder included), as folder names under
 * `packages/`: for its sources, what the table puts below it; for its tests, also `@t/testing`
 * unless `@t/testing` stands on the package (that would be a cycle between the two).
 *
 * @param {string} name the package's name
 * @param {Map<string, Set<string>>} below from {@link layersBelow}
 * @returns {{ src: Set<string>, test: Set<string> }} package names
 */
export function importablePackages(name, below) {
  const src = new Set([name, ...(below.get(name) ?? [])]);
  const test = new Set(src);
  const testing = below.get("@t/testing");
  if (testing !== undefined && !testing.has(name)) test.add("@t/testing");
  return { src, test };
}

/**
 * The dependency-cruiser configuration (`forbidden` rules and `options`) for a workspace.
 *
 * @param {object} args
 * @param {string} args.root the repository root (absolute)
 * @param {readonly import("./workspace.mjs").WorkspacePackage[]} args.workspace
 * @param {Record<string, readonly string[]>} args.table the layer table
 * @returns {{ forbidden: object[], options: object }}
 */
export function cruiserConfig({ root, workspace, table }) {
  const { below } = layersBelow(table, LAYERS_FILE);
  const packages = workspace.filter((p) => p.kind === "package");
  const folderOf = new Map(packages.map((p) => [p.name, p.dir.slice("packages/".length)]));
  const folders = (names) =>
    [...names]
      .map((n) => folderOf.get(n))
      .filter((f) => f !== undefined)
      .map(escapeRegExp)
      .join("|");

  const forbidden = [
    {
      name: "no-circular",
      severity: "error",
      comment: IMPORT_RULES["no-circular"],
      from: { path: "^(packages|apps|tools)/" },
      to: { circular: true },
    },
    {
      name: "packages-not-to-apps-or-tools",
      severity: "error",
      comment: IMPORT_RULES["packages-not-to-apps-or-tools"],
      from: { path: "^packages/", pathNot: testsUnder("packages/[^/]+") },
      to: { path: "^(apps|tools)/|^@t-(apps|tools)/" },
    },
    {
      name: "packages-not-to-apps-or-tools",
      severity: "error",
      comment: IMPORT_RULES["packages-not-to-apps-or-tools"],
      from: { path: testsUnder("packages/[^/]+") },
      to: { path: "^apps/|^@t-apps/" },
    },
    {
      name: "cross-package-by-path",
      severity: "error",
      comment: IMPORT_RULES["cross-package-by-path"],
      from: { path: "^packages/([^/]+)/" },
      to: {
        path: "^(packages|apps|tools)/",
        pathNot: "^packages/$1/",
        dependencyTypesNot: ["aliased-tsconfig-paths"],
      },
    },
  ];
  for (const p of packages) {
    const { src, test } = importablePackages(p.name, below);
    const dir = escapeRegExp(p.dir);
    forbidden.push(
      {
        name: "layer-direction",
        severity: "error",
        comment: `${p.name} imports only the packages below it in ${LAYERS_FILE}`,
        from: { path: `^${dir}/`, pathNot: testsUnder(dir) },
        to: { path: `^packages/(?!(?:${folders(src)})/)[^/]+/` },
      },
      {
        name: "layer-direction",
        severity: "error",
        comment: `${p.name}'s tests import only the packages below it, and @t/testing`,
        from: { path: testsUnder(dir) },
        to: { path: `^packages/(?!(?:${folders(test)})/)[^/]+/` },
      },
    );
  }

  return {
    forbidden,
    options: {
      // Built output and installed packages are leaves: the rules are about our sources.
      doNotFollow: { path: "(^|/)node_modules/|(^|/)dist/" },
      exclude: { path: "(^|/)node_modules/" },
      moduleSystems: ["es6", "cjs"],
      // `import type` edges are part of the graph (the cycle rule needs them).
      tsPreCompilationDeps: true,
      tsConfig: { fileName: join(root, PATHS_TSCONFIG) },
      enhancedResolveOptions: {
        exportsFields: ["exports"],
        conditionNames: ["import", "require", "node", "default", "types"],
        mainFields: ["module", "main", "types"],
      },
    },
  };
}
