// undocumented-exports.test.ts: every export of every publishable package carries a TSDoc comment.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { publishablePackages } from "../src/publishable.js";
import { undocumentedExports } from "../src/undocumented-exports.js";

const here = dirname(fileURLToPath(import.meta.url));

describe("undocumentedExports", () => {
  it("names the exports without a doc comment and follows re-exports to their declaration", () => {
    const entry = join(here, "fixtures", "undocumented", "src", "index.ts");
    const found = undocumentedExports([entry]).map((u) => u.name);
    expect(found.sort()).toEqual(["UNDOCUMENTED_CONSTANT", "undocumentedFunction"]);
  });
});

it("every export of every publishable package's src/index.ts has a doc comment", () => {
  const entries = publishablePackages()
    .map((p) => join(p.dir, "src", "index.ts"))
    .filter((f) => existsSync(f));
  expect(entries.length).toBeGreaterThanOrEqual(9);
  const missing = undocumentedExports(entries).map(
    (u) => `${u.name} (exported by ${u.entry}, declared in ${u.declaredIn})`,
  );
  expect(missing, "add a /** ... */ comment on each declaration").toEqual([]);
});
