import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";

describe("errors", () => {
  const classes = Object.values(errors).filter(
    (v): v is new (...a: never[]) => Error => typeof v === "function",
  );
  const instances = classes.map((C) => {
    const Ctor = C as unknown as new (a?: unknown, b?: unknown) => Error & { code: string };
    return C === errors.MissingSettingError
      ? new Ctor("cookieSecret", "x")
      : new Ctor(C === errors.HTTPError ? 500 : "x");
  });

  it("every error class sets name and a distinct T_ERR_ code", () => {
    const codes = instances.map((e) => (e as Error & { code: string }).code);
    for (const [i, e] of instances.entries()) {
      expect(e.name).toBe(classes[i].name);
      expect(codes[i]).toMatch(/^T_ERR_[A-Z_]+$/);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("the README's Errors table lists every code with its class", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const e of instances) {
      const code = (e as Error & { code: string }).code;
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*\`${e.name}\`\\s*\\|`));
    }
  });

  it("HTTPError keeps the log message apart from the reason and validates its status", () => {
    const e = new errors.HTTPError(404, "no user 7", { reason: "Gone Fishing" });
    expect(e.statusCode).toBe(404);
    expect(e.logMessage).toBe("no user 7");
    expect(e.reason).toBe("Gone Fishing");
    expect(e.message).toBe("HTTP 404: Gone Fishing (no user 7)");
    expect(() => new errors.HTTPError(42)).toThrow(RangeError);
    expect(new errors.MissingArgumentError("q").statusCode).toBe(400);
  });
});
