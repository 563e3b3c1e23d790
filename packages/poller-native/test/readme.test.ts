// readme.test.ts: the README lists every error code, and its Usage example runs as written.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import { NativeLoadError, PollerClosedError, PollerError } from "../src/index.js";
import { ensureDist, packageDir, runNode } from "./helpers.js";

const readme = readFileSync(join(packageDir, "README.md"), "utf8");
const work = mkdtempSync(join(tmpdir(), "poller-native-readme-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function section(title: string): string {
  const start = readme.indexOf(`## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("README", () => {
  // @t/testing's errorTableProblems does this for the packages above; this package sits below
  // every other (and @t-tools/testing loads @t/ioloop), so the same two-way check is spelled out.
  it("the Errors table lists every code of ERROR_CODES with its class, and no other code", () => {
    const errors = section("Errors");
    const rows = [...errors.matchAll(/^\|\s*`(T_ERR_[A-Z0-9_]+)`\s*\|\s*`(\w+)`\s*\|/gm)];
    expect(Object.fromEntries(rows.map(([, code, name]) => [name, code]))).toEqual(api.ERROR_CODES);
    expect(rows).toHaveLength(Object.keys(api.ERROR_CODES).length);
    const named = new Set(readme.match(/\bT_ERR_[A-Z0-9_]*[A-Z0-9]\b/g));
    expect(named).toEqual(new Set(Object.values(api.ERROR_CODES)));
  });

  it("every exported error class is in ERROR_CODES, extends PollerError and carries its code", () => {
    const classes = Object.entries(api).filter(
      ([, v]) => typeof v === "function" && v.prototype instanceof Error,
    );
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(api.ERROR_CODES).sort());
    for (const [name, Class] of classes) {
      const e = Reflect.construct(Class as new () => Error, []) as Error & { code: string };
      expect([e.name, e.code]).toEqual([
        name,
        api.ERROR_CODES[name as keyof typeof api.ERROR_CODES],
      ]);
      expect(e).toBeInstanceOf(PollerError);
    }
  });

  it("error classes set name and their stable code", () => {
    const closed = new PollerClosedError("add");
    expect(closed.name).toBe("PollerClosedError");
    expect(closed.code).toBe("T_ERR_POLLER_CLOSED");
    expect(closed.message).toContain("Poller.add()");
    const load = new NativeLoadError("x", { cause: new Error("y") });
    expect(load.name).toBe("NativeLoadError");
    expect(load.code).toBe("T_ERR_NATIVE_LOAD");
    expect((load.cause as Error).message).toBe("y");
    for (const e of [closed, load]) expect(e).toBeInstanceOf(PollerError);
    expect(new PollerError("m").code).toBe("T_ERR_POLLER_NATIVE");
  });

  it("runs the Usage example as written", async () => {
    ensureDist();
    const usage = section("Usage");
    const code = /```js\n([\s\S]*?)```/.exec(usage)?.[1];
    expect(code).toBeDefined();
    mkdirSync(join(work, "node_modules", "@t"), { recursive: true });
    symlinkSync(packageDir, join(work, "node_modules", "@t", "poller-native"), "dir");
    writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(work, "usage.mjs"), code as string);
    const res = await runNode(`import "./usage.mjs";`, { cwd: work, timeoutMs: 5000 });
    expect(res.timedOut).toBe(false);
    expect(res.stderr).toBe("");
    expect(res.stdout).toMatch(/^fd \d+: hello\n$/);
    expect(res.code).toBe(0);
  });
});
