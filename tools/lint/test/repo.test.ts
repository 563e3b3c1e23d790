// repo.test.ts: this repository keeps the direction rule and has no import cycle, and its README shows the table the check uses.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDirection } from "../src/check.mjs";
import { LAYERS } from "../src/layers.mjs";

const REPO_ROOT = join(import.meta.dirname, "../../..");

describe("this repository", () => {
  it("has no violation of the direction rule and no import cycle (known ones aside)", async () => {
    const { findings, modules } = await checkDirection();
    expect(findings).toEqual([]);
    expect(modules).toBeGreaterThan(100);
  }, 180_000);

  it("shows in the README's direction rule the same arrows as tools/lint/src/layers.mjs", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.split("## The direction rule")[1]?.split("\n## ")[0] ?? "";
    const shown = [...section.matchAll(/^(@t\/[a-z-]+)\s+->\s+(.*)$/gm)].map(([, name, rest]) => ({
      name,
      below: [...(rest ?? "").matchAll(/@t\/[a-z-]+/g)].map((m) => m[0]).sort(),
    }));
    expect(shown.length).toBeGreaterThan(5);
    for (const { name, below } of shown) {
      const table = LAYERS as Record<string, readonly string[]>;
      expect({
        name,
        below: [...(table[name as string] ?? ["(no line in the table)"])].sort(),
      }).toEqual({ name, below });
    }
  });
});
