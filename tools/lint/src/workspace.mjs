// The workspace's packages as the lint checks see them: name, folder, kind and manifest.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * One workspace package.
 * @typedef {object} WorkspacePackage
 * @property {string} name the package.json name (`@t/web`)
 * @property {string} dir its folder relative to the root, with `/` (`packages/web`)
 * @property {"package" | "app" | "tool"} kind `packages/*`, `apps/*` or `tools/*`
 * @property {Record<string, any>} manifest the parsed package.json
 */

/** The workspace folders and the kind of package each holds (pnpm-workspace.yaml's globs). */
export const WORKSPACE_FOLDERS = /** @type {const} */ ([
  ["packages", "package"],
  ["apps", "app"],
  ["tools", "tool"],
]);

/**
 * Reads every `packages/*`, `apps/*` and `tools/*` folder of `root` that has a package.json.
 *
 * @param {string} root the repository root (absolute)
 * @returns {WorkspacePackage[]} sorted by folder
 */
export function readWorkspace(root) {
  /** @type {WorkspacePackage[]} */
  const found = [];
  for (const [folder, kind] of WORKSPACE_FOLDERS) {
    const parent = join(root, folder);
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const manifestPath = join(parent, entry.name, "package.json");
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      found.push({ name: manifest.name, dir: `${folder}/${entry.name}`, kind, manifest });
    }
  }
  return found.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/**
 * Whether a file (path relative to the root) is a test: anything under a package's `test/`,
 * or a `*.test.*` file anywhere (unit tests may sit beside the code).
 *
 * @param {string} file
 * @returns {boolean}
 */
export function isTestFile(file) {
  return TEST_FILE.test(file);
}

/** The pattern behind {@link isTestFile}, also used in the dependency-cruiser rules. */
export const TEST_FILE_PATTERN = "^[^/]+/[^/]+/test/|\\.test\\.[cm]?[jt]s$";
const TEST_FILE = new RegExp(TEST_FILE_PATTERN);

/**
 * The workspace package a file belongs to (longest folder prefix), or undefined.
 *
 * @param {readonly WorkspacePackage[]} workspace
 * @param {string} file a path relative to the root
 * @returns {WorkspacePackage | undefined}
 */
export function packageOf(workspace, file) {
  return workspace.find((p) => file.startsWith(`${p.dir}/`));
}
