import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { errorTableProblems } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import { ensureBuilt, PACKAGE_DIR } from "./build.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe("README", () => {
  it("the Errors table lists every code of ERROR_CODES with its class, and no other code", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.IOLoopError,
      }),
    ).toEqual([]);
  });

  it("errorCode reads the code of any thrown value, whatever its class", () => {
    expect(api.errorCode(new api.TimeoutError("t"))).toBe("T_ERR_TIMEOUT");
    // An error of another copy of a package: a different class, the same code.
    const foreign = Object.assign(new Error("closed"), { code: "T_ERR_STREAM_CLOSED" });
    expect(api.errorCode(foreign)).toBe("T_ERR_STREAM_CLOSED");
    expect(api.errorCode(Object.assign(new Error("x"), { code: 5 }))).toBeUndefined();
    for (const v of [null, undefined, "T_ERR_TIMEOUT", 7, new Error("plain")]) {
      expect(api.errorCode(v)).toBeUndefined();
    }
  });

  it("IOLoopError keeps its deprecated (code, message) form; subclasses take a cause", () => {
    expect(new api.TimeoutError("t", { cause: 1 }).cause).toBe(1);
    expect(new api.IOLoopError("m").code).toBe("T_ERR_IOLOOP");
    const legacy = new api.IOLoopError("T_ERR_MINE", "m", { cause: 2 });
    expect([legacy.code, legacy.message, legacy.cause]).toEqual(["T_ERR_MINE", "m", 2]);
  });

  it("the Usage example is examples/readme-example.mjs, verbatim", () => {
    const example = readFileSync(
      new URL("../examples/readme-example.mjs", import.meta.url),
      "utf8",
    );
    const usage = section("Usage");
    const block = /```js\n([\s\S]*?)```/.exec(usage)?.[1];
    expect(block).toBe(example);
  });

  it("the Locks and queues example is examples/queues-example.mjs, verbatim, and prints the README's output", async () => {
    const file = join(PACKAGE_DIR, "examples", "queues-example.mjs");
    const start = readme.indexOf("\n### Locks and queues\n");
    expect(start).toBeGreaterThan(0);
    const part = readme.slice(start);
    const block = /```js\n([\s\S]*?)```/.exec(part)?.[1];
    expect(block).toBe(readFileSync(file, "utf8"));
    const output = /Output:\n\n```\n([\s\S]*?)```/.exec(part)?.[1];
    ensureBuilt();
    const { stdout } = await promisify(execFile)("node", [file], { timeout: 20_000 });
    expect(stdout).toBe(output);
  });

  it("has the sections every package README needs", () => {
    for (const title of [
      "Install",
      "Usage",
      "API",
      "Errors",
      "Performance",
      "Platforms",
      "Design decisions",
    ]) {
      expect(() => section(title)).not.toThrow();
    }
    expect(section("Performance")).not.toMatch(/PERFORMANCE/);
  });
});
