// The README's examples (Usage: examples/hello.mjs; Locale; UI modules) are the example files, and
// they run as written: no loop ceremony, the output the README shows, the process ends by itself.

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

/** The text of the first ```console block after `heading`, without its `$ command` line. */
function consoleOutput(heading: string): string | undefined {
  const at = readme.indexOf(`\n${heading}\n`);
  const block = /```console\n\$ [^\n]*\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  return block;
}

/** The example file as the README shows it: without its first line (what the file holds). */
function exampleBody(path: string): string {
  const text = readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
  return text.slice(text.indexOf("\n") + 1);
}

/** The second fenced block after `heading` (the template shown after the script). */
function secondBlock(heading: string): string | undefined {
  const at = readme.indexOf(`\n${heading}\n`);
  return [...readme.slice(at).matchAll(/```[a-z]*\n([\s\S]*?)```/g)][1]?.[1];
}

for (const [heading, script, template] of [
  ["### Locale", "examples/locale.mjs", "examples/templates/hello.eta"],
  ["### UI modules", "examples/ui-modules.mjs", "examples/templates/blog.eta"],
] as const) {
  describe(`README ${heading.slice(4)}`, () => {
    it(`shows ${script} and ${template}`, () => {
      expect(readmeCodeBlock(readme, heading)).toBe(exampleBody(script));
      expect(secondBlock(heading)).toBe(
        readFileSync(new URL(`../${template}`, import.meta.url), "utf8"),
      );
    });

    it("runs and prints what the README says", async () => {
      const { code, stdout } = await runScript(script, [], { cwd: pkg });
      expect(code).toBe(0);
      expect(stdout).toBe(consoleOutput(heading));
    });
  });
}
