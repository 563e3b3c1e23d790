// The README's Usage example is examples/login.mjs, and it runs as written: a whole login against a real provider, ending by itself.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readmeCodeBlock, runScript } from "@t/testing";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = readFileSync(new URL("../examples/login.mjs", import.meta.url), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README Usage", () => {
  it("shows examples/login.mjs", () => {
    expect(readmeCodeBlock(readme, "## Usage")).toBe(example.slice(example.indexOf("\n") + 1));
  });

  it("runs, prints what the README says, and exits 0 on its own", async () => {
    const { code, stdout, stderr } = await runScript("examples/login.mjs", [], { cwd: pkg });
    expect(code).toBe(0);
    expect(stdout).toBe(
      '200 {"hello":{"provider":"oidc","id":"alice","name":"User alice","email":"alice@example.test"}}\n',
    );
    expect(stderr).toMatch(/@t\/web\] 302 GET \/auth\/oidc\?code=/);
    expect(stderr).toMatch(/@t\/web\] 200 GET \/me \(127\.0\.0\.1\)/);
  });
});
