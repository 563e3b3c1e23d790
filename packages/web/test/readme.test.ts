// The README's Usage example is examples/hello.mjs, and it runs as written: serves with no loop
// ceremony, prints what the README says, and the process ends by itself after shutdown().

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/hello.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README Usage", () => {
  it("shows examples/hello.mjs (without its header comment)", () => {
    const block = /## Usage[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(example.slice(example.indexOf("\n") + 1));
  });

  it("runs, prints the README's results, and exits 0 on its own", async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        ["examples/hello.mjs"],
        { cwd: pkg, timeout: 60_000, env: { ...process.env, T_LOG_LEVEL: "info" } },
        (err, stdout, stderr) =>
          resolve({
            code: err === null ? 0 : ((err as { code?: number }).code ?? null),
            stdout,
            stderr,
          }),
      );
    });
    expect(code).toBe(0);
    expect(stdout).toBe("Hello, world\n{ id: 7, name: 'ann' }\n");
    expect(stderr).toMatch(/^\[I \d{6} \d\d:\d\d:\d\d @t\/web\] 200 GET \/ \(127\.0\.0\.1\)/m);
  });
});
