// The README's Errors table lists every error class of errors.ts with its code.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("errors", () => {
  const classes = Object.entries(errors) as [string, new (...a: never[]) => Error][];

  it("every class sets name and a stable T_ERR_ code", () => {
    expect(classes.length).toBeGreaterThan(0);
    const codes = new Set<string>();
    for (const [name, Cls] of classes) {
      const e = new (Cls as unknown as new (m: string, c: number) => Error & { code: string })(
        "m",
        1002,
      );
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toMatch(/^T_ERR_WS_[A-Z_]+$/);
      expect(codes.has(e.code)).toBe(false);
      codes.add(e.code);
    }
  });

  it("the README's Errors table lists every code with its class", () => {
    for (const [name, Cls] of classes) {
      const e = new (Cls as unknown as new (m: string, c: number) => Error & { code: string })(
        "m",
        1002,
      );
      const row = new RegExp(`\\|\\s*\`${e.code}\`\\s*\\|\\s*\`${name}\`\\s*\\|`);
      expect(readme, `${e.code} / ${name}`).toMatch(row);
    }
  });
});
