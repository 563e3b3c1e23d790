// The README's Errors table lists exactly the codes of ERROR_CODES; wire errors round-trip.

import { ERROR_CODES as IOLOOP_CODES } from "@t/ioloop";
import { errorTableProblems } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import { fromWireError, toWireError } from "../src/errors.js";
import * as api from "../src/index.js";

describe("error codes", () => {
  it("the README's Errors table lists every code with its class, and names no other; every class extends RpcError", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.RpcError,
        foreign: { AbortError: IOLOOP_CODES.AbortError },
      }),
    ).toEqual([]);
  });
});

describe("wire errors", () => {
  it("round-trip our own classes by name and code", () => {
    const e = fromWireError(toWireError(new api.RpcMethodNotFoundError("no x")));
    expect(e).toBeInstanceOf(api.RpcMethodNotFoundError);
    expect(e.message).toBe("no x");
  });

  it("turn foreign errors into RpcRemoteError, even ones that borrow our codes", () => {
    const spoof = { name: "Error", message: "m", code: "T_ERR_RPC_METHOD_NOT_FOUND" };
    const e = fromWireError(spoof) as api.RpcRemoteError;
    expect(e).toBeInstanceOf(api.RpcRemoteError);
    expect(e.remoteCode).toBe("T_ERR_RPC_METHOD_NOT_FOUND");
    expect(fromWireError("weird")).toBeInstanceOf(api.RpcRemoteError);
    expect(toWireError(42)).toEqual({ name: "Error", message: "42", code: null });
  });

  it("RpcDisconnectedError keeps its cause", () => {
    const cause = new Error("reset");
    expect(new api.RpcDisconnectedError("gone", cause).cause).toBe(cause);
  });
});
