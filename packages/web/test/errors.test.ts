// The README's Errors table lists exactly the codes of ERROR_CODES; HTTPError keeps the log
// message apart from the reason.

import { errorTableProblems } from "@t/testing";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

describe("errors", () => {
  it("the README's Errors table lists every code with its class, and names no other", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
      }),
    ).toEqual([]);
  });

  it("every error class extends WebError (Finish, a control-flow signal, is only an Error)", () => {
    for (const name of Object.keys(api.ERROR_CODES)) {
      const C = (api as unknown as Record<string, abstract new () => Error>)[name];
      const base = name === "Finish" ? Error : api.WebError;
      expect(C === base || C.prototype instanceof base, name).toBe(true);
    }
  });

  it("HTTPError keeps the log message apart from the reason and validates its status", () => {
    const e = new api.HTTPError(404, "no user 7", { reason: "Gone Fishing" });
    expect(e.statusCode).toBe(404);
    expect(e.logMessage).toBe("no user 7");
    expect(e.reason).toBe("Gone Fishing");
    expect(e.message).toBe("HTTP 404: Gone Fishing (no user 7)");
    expect(() => new api.HTTPError(42)).toThrow(RangeError);
    expect(new api.MissingArgumentError("q").statusCode).toBe(400);
  });
});
