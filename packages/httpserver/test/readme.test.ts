// The README: its Errors table lists every code, and its Usage example runs.

import { execFile } from "node:child_process";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("lists every error code of errors.ts with its class in the Errors table", () => {
    const classes = Object.values(errors).filter(
      (v): v is new (m: string) => Error & { code: string } => typeof v === "function",
    );
    expect(classes.length).toBeGreaterThanOrEqual(3);
    const codes = new Set<string>();
    for (const Cls of classes) {
      const e = new Cls("x");
      expect(e.name).toBe(Cls.name);
      expect(e.code).toMatch(/^T_ERR_[A-Z_]+$/);
      codes.add(e.code);
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${e.code}\`\\s*\\|\\s*\`${Cls.name}\`\\s*\\|`));
    }
    expect(codes.size).toBe(classes.length);
  });

  it("runs the Usage example", async () => {
    const usage = readme.slice(readme.indexOf("## Usage"));
    const code = /```js\n([\s\S]*?)```/.exec(usage)?.[1];
    expect(code).toBeDefined();
    const file = new URL("./.readme-usage.mjs", import.meta.url);
    writeFileSync(file, code as string);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [file.pathname], { timeout: 20_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      expect(out.trim()).toBe("200 Hello, reader");
    } finally {
      unlinkSync(file);
    }
  });
});
