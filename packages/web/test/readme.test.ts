// The README's Usage example is examples/hello.mjs, and it runs as written: no loop ceremony, the
// output the README shows, and the process ends by itself.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readmeCodeBlock, runScript } from "@t/testing";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/hello.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README Usage", () => {
  it("shows examples/hello.mjs", () => {
    expect(readmeCodeBlock(readme, "## Usage")).toBe(example.slice(example.indexOf("\n") + 1));
  });

  it("runs, prints what the README says, and exits 0 on its own", async () => {
    const { code, stdout, stderr } = await runScript("examples/hello.mjs", [], { cwd: pkg });
    expect(code).toBe(0);
    expect(stdout).toBe("Hello, world\n{ id: 7, name: 'ann' }\n");
    expect(stderr).toMatch(/^\[I \d{6} \d\d:\d\d:\d\d @t\/web\] 200 GET \/ \(127\.0\.0\.1\)/m);
  });
});
