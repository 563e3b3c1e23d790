// The README's Usage example is examples/fetch.mjs, and it runs as written: no loop ceremony,
// the results the README shows, and the process ends by itself.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/fetch.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README Usage", () => {
  it("shows examples/fetch.mjs", () => {
    expect(/## Usage[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  it("runs and exits 0 on its own", async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ["examples/fetch.mjs"],
          { cwd: pkg, timeout: 60_000 },
          (err, stdout) =>
            resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout }),
        );
      },
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      "200 application/json { path: '/hello', method: 'GET' }\n" +
        '200 {"path":"/items","method":"POST"}\n' +
        "{ inFlight: 0, queued: 0, connections: 1, idle: 1 }\n",
    );
  });
});
