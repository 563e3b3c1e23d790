// The package.json side of the direction rule: declared @t dependencies against the table and against the imports.

import { importablePackages, LAYERS_FILE } from "./cruiser-config.mjs";
import { isTestFile, packageOf } from "./workspace.mjs";

/**
 * One finding of a check: the rule broken, the file it is in, and what is wrong.
 * @typedef {{ rule: string, where: string, message: string }} Finding
 */

/** Names of the package.json rules and what each forbids. */
export const MANIFEST_RULES = {
  "layer-table": "a package under packages/ without a line in the layer table, or a cycle in it",
  "manifest-direction":
    "a package.json listing a @t package that is not below it in the layer table (or an app)",
  "workspace-protocol": "a @t dependency of a package not written as `workspace:^`",
  "undeclared-dependency": "an import of a workspace package its package.json does not list",
  "unused-dependency": "a @t dependency of a package that nothing in its src/ imports",
};

const RUNTIME_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"];
const WORKSPACE_NAME = /^(@t(?:-apps|-tools)?\/[^/]+)/;

/**
 * The workspace package named by an import specifier (`@t/web`, `@t-tools/testing/x`), if any.
 *
 * @param {string} specifier
 * @returns {string | undefined}
 */
export function workspaceName(specifier) {
  return WORKSPACE_NAME.exec(specifier)?.[1];
}

/** @param {Record<string, any>} manifest @param {readonly string[]} fields */
const declared = (manifest, fields) =>
  new Map(fields.flatMap((f) => Object.entries(manifest[f] ?? {}).map(([n, v]) => [n, { v, f }])));

/**
 * Checks every package.json against the layer table, and against the imports the cruise found.
 *
 * @param {object} args
 * @param {readonly import("./workspace.mjs").WorkspacePackage[]} args.workspace
 * @param {Record<string, readonly string[]>} args.table the layer table
 * @param {Map<string, Set<string>>} args.below from layersBelow(table)
 * @param {readonly { source: string, dependencies: readonly { module: string }[] }[]} args.modules
 *   the modules of the cruise (paths relative to the root)
 * @returns {Finding[]}
 */
export function checkManifests({ workspace, table, below, modules }) {
  /** @type {Finding[]} */
  const findings = [];
  /** @type {Map<string, Set<string>>} package name → @t names imported by its non-test sources */
  const importedBySrc = new Map();

  for (const m of modules) {
    const owner = packageOf(workspace, m.source);
    if (owner === undefined) continue;
    const test = isTestFile(m.source);
    const fields =
      owner.kind === "package" && !test ? RUNTIME_FIELDS : [...RUNTIME_FIELDS, "devDependencies"];
    const listed = declared(owner.manifest, fields);
    for (const d of m.dependencies) {
      const name = workspaceName(d.module);
      if (name === undefined || name === owner.name) continue;
      if (owner.kind === "package" && !test) {
        const set = importedBySrc.get(owner.name) ?? new Set();
        importedBySrc.set(owner.name, set);
        set.add(name);
      }
      if (!listed.has(name)) {
        findings.push({
          rule: "undeclared-dependency",
          where: m.source,
          message: `imports "${d.module}", but ${owner.dir}/package.json does not list ${name}${fields.length === RUNTIME_FIELDS.length ? " in dependencies (src/ ships: not devDependencies)" : ""}`,
        });
      }
    }
  }

  for (const p of workspace) {
    if (p.kind !== "package") continue;
    const where = `${p.dir}/package.json`;
    if (!Object.hasOwn(table, p.name)) {
      findings.push({
        rule: "layer-table",
        where: LAYERS_FILE,
        message: `${p.name} (${p.dir}) has no line in the layer table: add one naming the packages it stands on`,
      });
    }
    const { src, test } = importablePackages(p.name, below);
    for (const [name, { v, f }] of declared(p.manifest, RUNTIME_FIELDS)) {
      if (workspaceName(name) === undefined) continue;
      if (!src.has(name)) {
        findings.push({
          rule: "manifest-direction",
          where,
          message: `${f} lists ${name}, which is not below ${p.name} in ${LAYERS_FILE}`,
        });
      }
      if (v !== "workspace:^") {
        findings.push({
          rule: "workspace-protocol",
          where,
          message: `${f} lists ${name} as "${v}"; @t dependencies are written "workspace:^"`,
        });
      }
      if (!(importedBySrc.get(p.name)?.has(name) ?? false)) {
        findings.push({
          rule: "unused-dependency",
          where,
          message: `${f} lists ${name}, but nothing in ${p.dir}/src imports it`,
        });
      }
    }
    for (const name of Object.keys(p.manifest.devDependencies ?? {})) {
      const ws = workspaceName(name);
      if (ws === undefined || name.startsWith("@t-tools/") || test.has(name)) continue;
      findings.push({
        rule: "manifest-direction",
        where,
        message: name.startsWith("@t-apps/")
          ? `devDependencies lists the app ${name}; nothing in packages/ depends on an app`
          : `devDependencies lists ${name}, which ${p.name}'s tests may not import (not below it in ${LAYERS_FILE}${name === "@t/testing" ? ", and @t/testing stands on it: use @t-tools/testing" : ""})`,
      });
    }
  }
  return findings;
}
