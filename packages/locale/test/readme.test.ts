// The README's Usage example is examples/greet.mjs, and it prints what the README shows.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = fileURLToPath(new URL("../examples/greet.mjs", import.meta.url));

describe("README Usage", () => {
  it("shows the example file's code", () => {
    const code = readFileSync(example, "utf8").split("\n").slice(1).join("\n").trim();
    expect(readme).toContain(code);
  });

  it("prints what the README's transcript shows, and exits 0", () => {
    const transcript = /```console\n\$ node examples\/greet\.mjs\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(transcript).toBeDefined();
    const r = spawnSync(process.execPath, [example], { encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(transcript);
  });
});
