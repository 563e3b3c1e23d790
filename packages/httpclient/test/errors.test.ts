// Every error class has a name, a stable unique T_ERR_ code, and a row in the README's Errors table.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const classes = Object.entries(errors).filter(([, v]) => typeof v === "function") as [
  string,
  new (message: string) => Error & { code: string },
][];

describe("errors", () => {
  it("every class sets name and a stable, unique T_ERR_HTTP_ code listed in ERROR_CODES", () => {
    expect(classes.length).toBe(errors.ERROR_CODES.length);
    const codes = new Set<string>();
    for (const [name, Cls] of classes) {
      const e = new Cls("m");
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toMatch(/^T_ERR_HTTP_[A-Z_]+$/);
      expect(codes.has(e.code)).toBe(false);
      expect(errors.ERROR_CODES).toContain(e.code);
      codes.add(e.code);
    }
  });

  it("the README's Errors table lists every code with its class", () => {
    for (const [name, Cls] of classes) {
      const e = new Cls("m");
      const row = new RegExp(`\\|\\s*\`${e.code}\`\\s*\\|\\s*\`${name}\`\\s*\\|`);
      expect(readme, `${e.code} / ${name}`).toMatch(row);
    }
  });

  it("timeouts and redirect overflows are HTTPClientErrors with status 599 / the 3xx", () => {
    const t = new errors.HTTPTimeoutError("slow", "idle");
    expect(t).toBeInstanceOf(errors.HTTPClientError);
    expect(t.status).toBe(599);
    expect(t.phase).toBe("idle");
    expect(new errors.HTTPTooManyRedirectsError("many", 302)).toBeInstanceOf(
      errors.HTTPClientError,
    );
  });
});
