// The README's Errors table lists exactly the codes of ERROR_CODES, each with its class.

import { errorTableProblems } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

describe("errors", () => {
  it("the README's Errors table lists every code with its class, and names no other; every class extends HTTPServerError", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.HTTPServerError,
      }),
    ).toEqual([]);
  });

  it("HTTPInputError carries the status the server answers with, and its cause", () => {
    const e = new api.HTTPInputError("too big", 413, { cause: 1 });
    expect([e.statusCode, e.cause]).toEqual([413, 1]);
    expect(new api.HTTPInputError("bad").statusCode).toBe(400);
  });
});
