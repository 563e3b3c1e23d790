// readme.test.ts: the README lists every error code, and its Usage example runs as written.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ERROR_CODES, NativeLoadError, PollerClosedError } from "../src/index.js";
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
  it("lists every error code of errors.ts in the Errors table", () => {
    const errors = section("Errors");
    for (const code of ERROR_CODES) expect(errors).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|`));
    const source = readFileSync(join(packageDir, "src", "errors.ts"), "utf8");
    const declared = [...source.matchAll(/code = "(T_ERR_[A-Z_]+)"/g)].map((m) => m[1]);
    expect(new Set(declared)).toEqual(new Set(ERROR_CODES));
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
