import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";
import { ensureBuilt, PACKAGE_DIR } from "./build.js";

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
    expect(exported.length).toBeGreaterThanOrEqual(11);
    expect([...documented].sort()).toEqual(exported.sort());
  });

  it("the error classes really carry the codes they declare", () => {
    expect(new errors.TimeoutError("t").code).toBe("T_ERR_TIMEOUT");
    expect(new errors.FdRegisteredError(3).code).toBe("T_ERR_FD_REGISTERED");
    expect(new errors.FdUnknownError(3).code).toBe("T_ERR_FD_UNKNOWN");
    expect(new errors.LoopClosedError("x").code).toBe("T_ERR_LOOP_CLOSED");
    expect(new errors.LoopRunningError("x").code).toBe("T_ERR_LOOP_RUNNING");
    expect(new errors.LoopStoppedError("x").code).toBe("T_ERR_LOOP_STOPPED");
    expect(new errors.AbortError("x").code).toBe("T_ERR_ABORTED");
    expect(new errors.AbortError("x").name).toBe("AbortError");
    expect(new errors.QueueEmptyError().code).toBe("T_ERR_QUEUE_EMPTY");
    expect(new errors.QueueFullError().code).toBe("T_ERR_QUEUE_FULL");
    expect(new errors.TooManyReleasesError().code).toBe("T_ERR_TOO_MANY_RELEASES");
    expect(new errors.TaskDoneError().code).toBe("T_ERR_TOO_MANY_TASK_DONE");
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
