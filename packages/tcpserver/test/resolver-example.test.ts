// The README's resolver example is a real file: run it, and check the README shows it verbatim.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageRoot } from "./processes.js";

const readme = readFileSync(`${packageRoot}README.md`, "utf8");

describe("examples/override-resolver.mjs", () => {
  it("is in the README verbatim and prints the README's output", async () => {
    const file = `${packageRoot}examples/override-resolver.mjs`;
    const part = readme.slice(readme.indexOf("\n### Resolvers"));
    expect(part.length).toBeGreaterThan(0);
    expect(/```js\n([\s\S]*?)```/.exec(part)?.[1]).toBe(readFileSync(file, "utf8"));
    const output = /\n\n```\n([\s\S]*?)```/.exec(part.slice(part.indexOf("Output")))?.[1];
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      cwd: packageRoot,
      timeout: 20_000,
    });
    expect(stdout).toBe(output);
  });
});
