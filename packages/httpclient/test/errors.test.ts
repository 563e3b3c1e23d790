// Every error class has a name, a stable unique T_ERR_ code, and a row in the README's Errors table.

import { errorTableProblems } from "@t/testing";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";
import * as api from "../src/index.js";

describe("errors", () => {
  it("the README's Errors table lists every code with its class, and names no other; every class extends AsyncHTTPClientError", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.AsyncHTTPClientError,
      }),
    ).toEqual([]);
  });

  it("errors.ts exports only the classes of ERROR_CODES (and ERROR_CODES)", () => {
    expect(Object.keys(errors).sort()).toEqual(
      [...Object.keys(api.ERROR_CODES), "ERROR_CODES"].sort(),
    );
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

  it("the failures that are not about a status are not HTTPClientErrors", () => {
    expect(new errors.HTTPConnectionError("reset")).not.toBeInstanceOf(errors.HTTPClientError);
    expect(new errors.HTTPConnectionError("reset")).toBeInstanceOf(errors.AsyncHTTPClientError);
  });
});
