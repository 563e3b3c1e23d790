// The README's Usage example is examples/usage.mjs, and it runs (against the built package).

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("README usage", () => {
  it("shows examples/usage.mjs verbatim", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const usage = readme.slice(readme.indexOf("## Usage"), readme.indexOf("## API"));
    const block = /```js\n([\s\S]*?)```/.exec(usage)?.[1];
    const file = readFileSync(new URL("../examples/usage.mjs", import.meta.url), "utf8");
    expect(block).toBe(file);
  });

  it("runs and prints the three results", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["examples/usage.mjs"],
        { cwd: root, timeout: 15_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(out).toBe("3\n42\nclient-1 got: welcome\n");
  });
});
