// Every error class has a name, a unique T_ERR_LOCALE code listed in ERROR_CODES, and a row in the README's Errors table.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";
import { ERROR_CODES, LocaleError } from "../src/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const classes = Object.entries(errors).filter(([, v]) => typeof v === "function") as [
  string,
  new (message?: string) => Error & { code: string; path: string },
][];

describe("errors", () => {
  it("every class sets its name and a unique T_ERR_LOCALE code, as ERROR_CODES lists", () => {
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    const codes = new Set<string>();
    for (const [name, Cls] of classes) {
      const e = new Cls("m");
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(LocaleError);
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toBe("m");
      expect(e.path).toBe("");
      expect(e.code).toMatch(/^T_ERR_LOCALE(_[A-Z_]+)?$/);
      expect(e.code).toBe(ERROR_CODES[name as keyof typeof ERROR_CODES]);
      expect(codes.has(e.code)).toBe(false);
      codes.add(e.code);
    }
  });

  it("the README's Errors table lists every code with its class, and no other code", () => {
    for (const [name, Cls] of classes) {
      const code = new Cls().code;
      expect(readme, `${code} / ${name}`).toMatch(
        new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*\`${name}\`\\s*\\|`),
      );
    }
    const documented = new Set(readme.match(/T_ERR_[A-Z_]+/g));
    expect([...documented].sort()).toEqual(Object.values(ERROR_CODES).sort());
  });

  it("keeps path, line, header and cause", () => {
    const cause = new Error("low level");
    const file = new errors.TranslationFileError("bad", "/x/fr.csv", 3, { cause });
    expect([file.path, file.line, file.cause]).toEqual(["/x/fr.csv", 3, cause]);
    const plural = new errors.PluralFormsError("bad", "nplurals=x", "/x/app.po");
    expect([plural.header, plural.path]).toEqual(["nplurals=x", "/x/app.po"]);
  });
});
