// The README's Errors table lists every code of ERROR_CODES with its class, and no other code.

import { ERROR_CODES as IOLOOP_CODES } from "@t/ioloop";
import { errorTableProblems } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

describe("error codes", () => {
  it("the README's Errors table lists every code with its class, and names no other; every class extends IOStreamError", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.IOStreamError,
        foreign: { AbortError: IOLOOP_CODES.AbortError },
      }),
    ).toEqual([]);
  });

  it("StreamClosedError carries realError as cause", () => {
    const real = new Error("boom");
    const e = new api.StreamClosedError(real);
    expect(e.realError).toBe(real);
    expect(e.cause).toBe(real);
    expect(e.message).toContain("boom");
  });
});
