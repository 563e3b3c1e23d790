// runScript: a script's exit status and output, and a script that never ends is stopped.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readmeCodeBlock, runScript } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "t-run-script-"));
function script(name: string, code: string): string {
  const path = join(dir, name);
  writeFileSync(path, code);
  return path;
}

describe("runScript", () => {
  it("resolves with the status and what the script printed", async () => {
    const ok = await runScript(script("ok.mjs", 'console.log("out"); console.error("err");'));
    expect(ok).toEqual({ code: 0, signal: null, stdout: "out\n", stderr: "err\n" });
    const failed = await runScript(script("fail.mjs", "process.exit(3);"), ["a"]);
    expect(failed.code).toBe(3);
  });

  it("passes arguments, cwd and env", async () => {
    const res = await runScript(
      script(
        "args.mjs",
        "console.log(process.argv.slice(2).join(','), process.cwd(), process.env.X);",
      ),
      ["a", "b"],
      { cwd: dir, env: { X: "y" } },
    );
    expect(res.stdout).toBe(`a,b ${dir} y\n`);
  });

  it("kills a script that does not end by itself", async () => {
    const res = await runScript(script("forever.mjs", "setInterval(() => {}, 1000);"), [], {
      timeoutMs: 300,
    });
    expect(res.code).toBeNull();
    expect(res.signal).toBe("SIGTERM");
  });

  it("refuses bad arguments", () => {
    expect(() => runScript("")).toThrow(TypeError);
    expect(() => runScript("x.mjs", [], { timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe("readmeCodeBlock", () => {
  it("finds the first fenced block under a heading", () => {
    const readme = "# T\n\n## Usage\n\nText.\n\n```js\nconst a = 1;\n```\n\n```js\nno\n```\n";
    expect(readmeCodeBlock(readme, "## Usage")).toBe("const a = 1;\n");
    expect(readmeCodeBlock(readme, "## API")).toBeUndefined();
  });
});
