// How the direction-rule check prints its findings: one line per finding, naming the rule and the import.

import { IMPORT_RULES } from "./cruiser-config.mjs";
import { MANIFEST_RULES } from "./manifest-checks.mjs";

/** What each rule forbids, import rules and package.json rules together. */
export const RULES = {
  ...IMPORT_RULES,
  ...MANIFEST_RULES,
};

/**
 * The report `pnpm lint` prints: each finding as `rule  file: message`, then each rule that
 * fired with what it forbids, and where the table is.
 *
 * @param {readonly import("./manifest-checks.mjs").Finding[]} findings
 * @param {number} modules how many files were read
 * @param {readonly (import("./manifest-checks.mjs").Finding & { why: string })[]} [known]
 *   findings on the known list (printed, never failing)
 * @param {readonly import("./manifest-checks.mjs").Finding[]} [stale] known entries that no
 *   longer occur (printed, never failing)
 * @returns {string}
 */
export function formatFindings(findings, modules, known = [], stale = []) {
  const knownLines = [
    ...stale.map(
      (k) =>
        `~ ${k.rule}  ${k.where}: no longer occurs; delete it from tools/lint/src/known-violations.mjs`,
    ),
    ...known.flatMap((k) => [`! ${k.rule}  ${k.where}: ${k.message}`, `    known: ${k.why}`]),
  ];
  const knownNote =
    known.length === 0
      ? ""
      : ` (${known.length} known, listed in tools/lint/src/known-violations.mjs)`;
  if (findings.length === 0) {
    return [
      ...knownLines,
      `direction rule and import cycles: ${modules} files, no violation${knownNote}`,
      "",
    ].join("\n");
  }
  const lines = findings.map((f) => `✗ ${f.rule}  ${f.where}: ${f.message}`);
  const fired = [...new Set(findings.map((f) => f.rule))];
  return [
    ...knownLines,
    ...lines,
    "",
    ...fired.map((r) => `  ${r}: ${RULES[r] ?? ""}`),
    "",
    `direction rule and import cycles: ${findings.length} violation${findings.length === 1 ? "" : "s"} in ${modules} files${knownNote} (the table: tools/lint/src/layers.mjs; tools/lint/README.md explains each rule)`,
    "",
  ].join("\n");
}
