// The README's examples are examples/*.mjs verbatim; the vitest one runs in this suite, the
// node:test one runs here under `node --test`. Every error code is in the Errors table.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import { errorTableProblems } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("README", () => {
  it("shows examples/hello.test.mjs and examples/hello.node-test.mjs verbatim", () => {
    const read = (f: string) => readFileSync(new URL(`../examples/${f}`, import.meta.url), "utf8");
    expect(blocks[0]).toBe(read("hello.test.mjs"));
    expect(blocks[1]).toBe(read("hello.node-test.mjs"));
  });

  it("has a node:test example that passes under node --test", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--test", "examples/hello.node-test.mjs"],
        { cwd: root, timeout: 30_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(out).toMatch(/# pass 1/);
    expect(out).toMatch(/# fail 0/);
  });

  it("the Errors table lists every code with its class, and names no other", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.TestingError,
      }),
    ).toEqual([]);
  });
});
