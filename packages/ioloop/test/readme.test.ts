import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe("README", () => {
  it("the Errors table lists every code exported by errors.ts, with its class", () => {
    const table = section("Errors");
    const documented = new Set(
      [...table.matchAll(/^\|\s*`(T_ERR_\w+)`\s*\|\s*`(\w+)`\s*\|/gm)].map(
        (m) => `${m[1]} ${m[2]}`,
      ),
    );
    const source = readFileSync(new URL("../src/errors.ts", import.meta.url), "utf8");
    const exported: string[] = [];
    for (const [name, value] of Object.entries(errors)) {
      if (name === "IOLoopError" || typeof value !== "function") continue;
      const code = new RegExp(
        `class ${name} [^{]*\\{\\s*declare readonly code: "(T_ERR_\\w+)"`,
      ).exec(source)?.[1];
      expect(code, `code of ${name}`).toBeDefined();
      exported.push(`${code} ${name}`);
    }
    expect(exported.length).toBeGreaterThanOrEqual(6);
    expect([...documented].sort()).toEqual(exported.sort());
  });

  it("the error classes really carry the codes they declare", () => {
    expect(new errors.TimeoutError("t").code).toBe("T_ERR_TIMEOUT");
    expect(new errors.FdRegisteredError(3).code).toBe("T_ERR_FD_REGISTERED");
    expect(new errors.FdUnknownError(3).code).toBe("T_ERR_FD_UNKNOWN");
    expect(new errors.LoopClosedError("x").code).toBe("T_ERR_LOOP_CLOSED");
    expect(new errors.LoopRunningError("x").code).toBe("T_ERR_LOOP_RUNNING");
    expect(new errors.LoopStoppedError("x").code).toBe("T_ERR_LOOP_STOPPED");
    const err = new errors.TimeoutError("t");
    expect(err.name).toBe("TimeoutError");
    expect(err).toBeInstanceOf(errors.IOLoopError);
    expect(err).toBeInstanceOf(Error);
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
