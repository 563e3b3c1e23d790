// The README's Usage example is examples/echo.mjs, and it runs as written: serves with no loop
// ceremony, prints what the README says, and the process ends by itself after shutdown().

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/echo.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README Usage", () => {
  it("shows examples/echo.mjs (without its header comment)", () => {
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
        ["examples/echo.mjs"],
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
    expect(stdout).toBe("opened\necho: hello\nclosed 1000\n");
    expect(stderr).toMatch(/@t\/web\] 101 GET \/ws \(127\.0\.0\.1\)/);
  });
});
