// The README's routing section is examples/routing.mjs, and it prints what the README says.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readmeCodeBlock, runScript } from "@t/testing";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/routing.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const heading = "### Routing: `RuleRouter` (Tornado's `tornado.routing`)";

describe("README routing example", () => {
  it("shows examples/routing.mjs (without its header comment)", () => {
    expect(readmeCodeBlock(readme, heading)).toBe(example.slice(example.indexOf("\n") + 1));
  });

  it("runs, prints the README's output, and exits 0 on its own", async () => {
    const printed = /```text\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)))?.[1];
    const { code, stdout } = await runScript("examples/routing.mjs", [], {
      cwd: pkg,
      env: { T_LOG_LEVEL: "error" },
    });
    expect(code).toBe(0);
    expect(stdout).toBe(printed);
  });
});
