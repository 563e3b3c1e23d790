// The README's routing section is examples/routing.mjs, and it prints what the README says.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/routing.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const section =
  /### Routing: `RuleRouter`[\s\S]*?```js\n([\s\S]*?)```[\s\S]*?```text\n([\s\S]*?)```/.exec(
    readme,
  );

describe("README routing example", () => {
  it("shows examples/routing.mjs (without its header comment)", () => {
    expect(section?.[1]).toBe(example.slice(example.indexOf("\n") + 1));
  });

  it("runs, prints the README's output, and exits 0 on its own", async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ["examples/routing.mjs"],
          { cwd: pkg, timeout: 60_000, env: { ...process.env, T_LOG_LEVEL: "error" } },
          (err, stdout) =>
            resolve({
              code: err === null ? 0 : ((err as { code?: number }).code ?? null),
              stdout,
            }),
        );
      },
    );
    expect(code).toBe(0);
    expect(stdout).toBe(section?.[2]);
  });
});
