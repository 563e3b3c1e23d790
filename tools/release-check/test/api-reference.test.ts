// api-reference.test.ts: `pnpm docs:api` covers every publishable package and converts without warnings.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { publishablePackages, REPO_ROOT } from "../src/publishable.js";

const packages = publishablePackages();
const typedocConfig = JSON.parse(readFileSync(join(REPO_ROOT, "typedoc.json"), "utf8")) as {
  entryPoints: string[];
  out: string;
};

it("typedoc.json lists every publishable package and writes to the git-ignored docs/api", () => {
  const dirs = packages.map((p) => relative(REPO_ROOT, p.dir));
  expect([...typedocConfig.entryPoints].sort()).toEqual([...dirs].sort());
  expect(typedocConfig.out).toBe("docs/api");
  const ignored = readFileSync(join(REPO_ROOT, ".gitignore"), "utf8").split("\n");
  expect(ignored).toContain("docs/api/");
  const rootManifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  expect(rootManifest.scripts["docs:api"]).toMatch(/\btypedoc\b/);
});

it("every package README points at the API reference", () => {
  for (const pkg of packages) {
    const readme = readFileSync(join(pkg.dir, "README.md"), "utf8");
    expect(readme, `${pkg.name} README`).toContain("`pnpm docs:api`");
  }
});

it("typedoc converts every package with no warning (tags, links) and no type error", () => {
  let output = "";
  try {
    output = execFileSync(
      process.execPath,
      [
        join(REPO_ROOT, "node_modules", "typedoc", "bin", "typedoc"),
        "--emit",
        "none",
        "--logLevel",
        "Warn",
        "--treatWarningsAsErrors",
      ],
      { cwd: REPO_ROOT, encoding: "utf8", stdio: "pipe", timeout: 240_000 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`typedoc failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  expect(output).not.toMatch(/\[(warning|error)\]/);
}, 300_000);
