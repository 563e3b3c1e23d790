// `pnpm lint`'s direction-rule step: checks this repository (or --root DIR) and exits 1 on any violation.

import { resolve } from "node:path";
import { checkDirection } from "./check.mjs";
import { formatFindings } from "./report.mjs";

const rootAt = process.argv.indexOf("--root");
const root = rootAt === -1 ? undefined : resolve(process.argv[rootAt + 1] ?? ".");
const { findings, known, stale, modules } = await checkDirection(
  root === undefined ? {} : { root },
);
(findings.length === 0 ? process.stdout : process.stderr).write(
  formatFindings(findings, modules, known, stale),
);
process.exitCode = findings.length === 0 ? 0 : 1;
