// The README's Usage example is examples/fetch.mjs, and it runs as written: no loop ceremony, the
// output the README shows, and the process ends by itself.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readmeCodeBlock, runScript } from "@t/testing";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/fetch.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README Usage", () => {
  it("shows examples/fetch.mjs", () => {
    expect(readmeCodeBlock(readme, "## Usage")).toBe(example);
  });

  it("runs, prints what the README says, and exits 0 on its own", async () => {
    const { code, stdout, stderr } = await runScript("examples/fetch.mjs", [], { cwd: pkg });
    expect(code).toBe(0);
    expect(stdout).toBe(
      "200 application/json { path: '/hello', method: 'GET' }\n" +
        '200 {"path":"/items","method":"POST"}\n' +
        "{ inFlight: 0, queued: 0, connections: 1, idle: 1 }\n",
    );
    expect(stderr).toBe("");
  });
});
