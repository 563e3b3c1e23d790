// The README's Subprocess example is a real file: run it, and check the README shows it verbatim.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = new URL("../examples/subprocess.mjs", import.meta.url);

describe("examples", () => {
  it("examples/subprocess.mjs is in the README verbatim and prints the README's output", async () => {
    const start = readme.indexOf("\n### Subprocess");
    expect(start).toBeGreaterThan(0);
    const part = readme.slice(start);
    expect(/```js\n([\s\S]*?)```/.exec(part)?.[1]).toBe(readFileSync(example, "utf8"));
    const output = /Output:\n\n```\n([\s\S]*?)```/.exec(part)?.[1];
    // Runs against dist (the package imports itself by name): the test task builds first.
    const { stdout } = await promisify(execFile)(process.execPath, [example.pathname], {
      timeout: 20_000,
    });
    expect(stdout).toBe(output);
  });
});
