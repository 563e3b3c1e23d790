// rules-fail.test.ts: every rule of the direction check fires on a small repository built to break it, and stays quiet on what is allowed.

import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDirection } from "../src/check.mjs";

type Finding = { rule: string; where: string; message: string };

const LINT = join(import.meta.dirname, "..");
const root = mkdtempSync(join(tmpdir(), "t-lint-fixture-"));

/** The fixture's own layer table: high stands on low and side, mid on low, testing on low. */
const TABLE = `export const LAYERS = {
  "@t/testing": ["@t/low"],
  "@t/high": ["@t/low", "@t/side"],
  "@t/mid": ["@t/low"],
  "@t/side": [],
  "@t/low": [],
};
`;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function manifest(dir: string, name: string, fields: Record<string, unknown> = {}): void {
  write(`${dir}/package.json`, JSON.stringify({ name, type: "module", ...fields }, null, 2));
}

let findings: Finding[] = [];
const has = (rule: string, where: string, message = "") =>
  findings.some((f) => f.rule === rule && f.where === where && f.message.includes(message));

beforeAll(async () => {
  write("tools/lint/src/layers.mjs", TABLE);
  copyFileSync(join(LINT, "tsconfig.paths.json"), join(root, "tools/lint/tsconfig.paths.json"));

  // low: a cycle held together by an `import type`, an app imported by path and by name, a
  // tool imported by name; its test imports @t/testing, which stands on low.
  manifest("packages/low", "@t/low", { devDependencies: { "@t/testing": "workspace:^" } });
  write("packages/low/src/index.ts", 'export { a } from "./a.js";\n');
  write(
    "packages/low/src/a.ts",
    'import type { B } from "./b.js";\nexport const a = (b: B) => b;\n',
  );
  write("packages/low/src/b.ts", 'import { a } from "./a.js";\nexport type B = typeof a;\n');
  write("packages/low/src/app-by-path.ts", 'import "../../../apps/demo/src/main.mjs";\n');
  write("packages/low/src/app-by-name.ts", 'import "@t-apps/demo";\n');
  write("packages/low/src/tool-by-name.ts", 'import "@t-tools/helper";\n');
  write("packages/low/test/uses-testing.test.ts", 'import "@t/testing";\n');

  // side: clean.
  manifest("packages/side", "@t/side");
  write("packages/side/src/index.ts", "export const side = 1;\n");

  // mid: an upward import of high, declared (so its package.json is wrong too); declares low
  // and never imports it. Its test may import @t/testing and a tool.
  manifest("packages/mid", "@t/mid", {
    dependencies: { "@t/high": "workspace:^", "@t/low": "workspace:^" },
    devDependencies: { "@t/testing": "workspace:^", "@t-tools/helper": "workspace:*" },
  });
  write("packages/mid/src/index.ts", 'export { high } from "@t/high";\n');
  write(
    "packages/mid/test/ok.test.ts",
    'import "@t/testing";\nimport "@t-tools/helper";\nimport "../src/index.js";\n',
  );

  // high: imports side without listing it, reaches into low by path, and lists low with the
  // wrong protocol.
  manifest("packages/high", "@t/high", { dependencies: { "@t/low": "workspace:*" } });
  write(
    "packages/high/src/index.ts",
    'import { a } from "@t/low";\nimport { side } from "@t/side";\nexport const high = [a, side];\n',
  );
  write("packages/high/src/by-path.ts", 'export { a } from "../../low/src/a.js";\n');

  // testing: the test kit, on low.
  manifest("packages/testing", "@t/testing", { dependencies: { "@t/low": "workspace:^" } });
  write("packages/testing/src/index.ts", 'export { a } from "@t/low";\n');

  // stray: a package without a line in the table.
  manifest("packages/stray", "@t/stray");
  write("packages/stray/src/index.ts", "export const stray = 1;\n");

  // An app may import any package it lists; a tool likewise.
  manifest("apps/demo", "@t-apps/demo", { dependencies: { "@t/high": "workspace:^" } });
  write("apps/demo/src/main.mjs", 'import { high } from "@t/high";\nexport default high;\n');
  manifest("tools/helper", "@t-tools/helper");
  write("tools/helper/src/index.ts", "export const helper = 1;\n");

  ({ findings } = await checkDirection({ root }));
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the direction check on a repository that breaks every rule", () => {
  it("reports a cycle held together by an import type edge, once", () => {
    const cycles = findings.filter((f) => f.rule === "no-circular");
    expect(cycles).toEqual([
      {
        rule: "no-circular",
        where: "packages/low/src/a.ts",
        message: "→ packages/low/src/b.ts (import type) → packages/low/src/a.ts",
      },
    ]);
  });

  it("reports an import of a package above the importer, and the package.json listing it", () => {
    expect(has("layer-direction", "packages/mid/src/index.ts", '"@t/high"')).toBe(true);
    expect(has("manifest-direction", "packages/mid/package.json", "@t/high")).toBe(true);
  });

  it("reports a test importing @t/testing when @t/testing stands on its package", () => {
    expect(has("layer-direction", "packages/low/test/uses-testing.test.ts", '"@t/testing"')).toBe(
      true,
    );
    expect(has("manifest-direction", "packages/low/package.json", "@t/testing")).toBe(true);
  });

  it("reports packages importing an app by path or by name, or a tool by name", () => {
    expect(has("packages-not-to-apps-or-tools", "packages/low/src/app-by-path.ts")).toBe(true);
    expect(has("packages-not-to-apps-or-tools", "packages/low/src/app-by-name.ts")).toBe(true);
    expect(has("packages-not-to-apps-or-tools", "packages/low/src/tool-by-name.ts")).toBe(true);
  });

  it("reports an import of a package the package.json does not list", () => {
    expect(has("undeclared-dependency", "packages/high/src/index.ts", '"@t/side"')).toBe(true);
  });

  it("reports a listed dependency that nothing in src imports", () => {
    expect(has("unused-dependency", "packages/mid/package.json", "@t/low")).toBe(true);
  });

  it("reports another package's folder reached by a relative path", () => {
    expect(has("cross-package-by-path", "packages/high/src/by-path.ts", "../../low/src/a.js")).toBe(
      true,
    );
  });

  it("reports a @t dependency not written workspace:^, and a package without a table line", () => {
    expect(has("workspace-protocol", "packages/high/package.json", '"workspace:*"')).toBe(true);
    expect(has("layer-table", "tools/lint/src/layers.mjs", "@t/stray")).toBe(true);
  });

  it("stays quiet on what is allowed: apps, tools, a test using @t/testing and a tool", () => {
    const quiet = [
      "apps/",
      "tools/helper/",
      "packages/side/",
      "packages/testing/",
      "packages/mid/test/",
    ];
    expect(findings.filter((f) => quiet.some((q) => f.where.startsWith(q)))).toEqual([]);
  });

  it("has the CLI exit 1 and print each finding with its rule and the import", async () => {
    const run = promisify(execFile)(process.execPath, [join(LINT, "src/cli.mjs"), "--root", root], {
      timeout: 120_000,
    });
    const failure = await run.then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      '✗ layer-direction  packages/mid/src/index.ts: imports "@t/high" (packages/high/src/index.ts)',
    );
    expect(failure?.stderr).toContain(
      "✗ no-circular  packages/low/src/a.ts: → packages/low/src/b.ts (import type) → packages/low/src/a.ts",
    );
    expect(failure?.stderr).toMatch(/direction rule and import cycles: \d+ violations/);
  }, 120_000);

  it("lets a known violation pass, and tells a known entry that no longer occurs", async () => {
    const upward = findings.find((f) => f.rule === "layer-direction" && f.where.includes("mid/"));
    const gone = {
      rule: "no-circular",
      where: "packages/side/src/index.ts",
      message: "→ x",
      why: "-",
    };
    const run = await checkDirection({
      root,
      known: [{ ...(upward as Finding), why: "a test" }, gone],
    });
    expect(run.known).toEqual([{ ...(upward as Finding), why: "a test" }]);
    expect(run.findings).not.toContainEqual(upward);
    expect(run.stale).toEqual([gone]);
  }, 120_000);
});
