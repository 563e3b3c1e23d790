// Every error class has a name, a stable unique T_ERR_AUTH code, a status, and a row in the README's Errors table.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const classes = Object.entries(errors).filter(([, v]) => typeof v === "function") as [
  string,
  new (message: string) => Error & { code: string; status: number },
][];

describe("errors", () => {
  it("every class sets name, a unique T_ERR_AUTH code listed in ERROR_CODES, and a status", () => {
    expect(classes.length).toBe(errors.ERROR_CODES.length);
    const codes = new Set<string>();
    for (const [name, Cls] of classes) {
      const e = new Cls("m");
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(errors.AuthError);
      expect(e.code).toMatch(/^T_ERR_AUTH(_[A-Z_]+)?$/);
      expect(codes.has(e.code)).toBe(false);
      expect(errors.ERROR_CODES).toContain(e.code);
      expect(Number.isInteger(e.status)).toBe(true);
      codes.add(e.code);
    }
  });

  it("the README's Errors table lists every code with its class and status, and no other code", () => {
    for (const [name, Cls] of classes) {
      const e = new Cls("m");
      const row = new RegExp(
        `\\|\\s*\`${e.code}\`\\s*\\|\\s*\`${name}\`\\s*\\|\\s*${e.status}\\s*\\|`,
      );
      expect(readme, `${e.code} / ${name}`).toMatch(row);
    }
    const listed = new Set(readme.match(/T_ERR_AUTH[A-Z_]*/g));
    expect([...listed].sort()).toEqual([...errors.ERROR_CODES].sort());
  });

  it("provider refusals carry the OAuth error fields", () => {
    const e = new errors.AuthTokenError("m", { error: "invalid_grant", errorDescription: "d" });
    expect([e.error, e.errorDescription, e.status]).toEqual(["invalid_grant", "d", 403]);
    expect(new errors.AuthDeniedError("m").error).toBeNull();
  });
});
