// Every error code the package exports is listed in the README's Errors table.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

describe("error codes", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const errorClasses = Object.values(api).filter(
    (v): v is new (...args: never[]) => Error & { code: string } =>
      typeof v === "function" && v.prototype instanceof Error,
  );

  it("exports the six error classes, each with a distinct T_ERR_ code", () => {
    const codes = errorClasses.map((C) => new C().code);
    expect(codes).toHaveLength(6);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^T_ERR_[A-Z_]+$/);
  });

  it("lists every code in the README's Errors table", () => {
    for (const C of errorClasses) {
      const code = new C().code;
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*\`${C.name}\`\\s*\\|`));
    }
  });

  it("StreamClosedError carries realError as cause", () => {
    const real = new Error("boom");
    const e = new api.StreamClosedError(real);
    expect(e.realError).toBe(real);
    expect(e.cause).toBe(real);
    expect(e.message).toContain("boom");
  });
});
