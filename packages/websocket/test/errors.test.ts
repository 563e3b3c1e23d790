// The README's Errors table lists exactly the codes of ERROR_CODES, each with its class.

import { ERROR_CODES as IOLOOP_CODES } from "@t/ioloop";
import { errorTableProblems } from "@t/testing";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

describe("errors", () => {
  it("the README's Errors table lists every code with its class, and names no other; every class extends WebSocketError", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.WebSocketError,
        foreign: { AbortError: IOLOOP_CODES.AbortError },
      }),
    ).toEqual([]);
  });

  it("WebSocketProtocolError carries its close code", () => {
    expect(new api.WebSocketProtocolError("bad frame", 1002).closeCode).toBe(1002);
  });
});
