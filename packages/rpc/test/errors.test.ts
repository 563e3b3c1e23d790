// Every error code the package exports is listed in the README's Errors table.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromWireError, toWireError } from "../src/errors.js";
import * as api from "../src/index.js";

const errorClasses = Object.values(api).filter(
  (v): v is new () => Error & { code: string } =>
    typeof v === "function" && v.prototype instanceof Error && v !== api.RpcError,
);

describe("error codes", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("exports fourteen error classes, each with a distinct T_ERR_RPC_ code and its own name", () => {
    const codes = errorClasses.map((C) => new C().code);
    expect(codes).toHaveLength(14);
    expect(new Set(codes).size).toBe(codes.length);
    for (const C of errorClasses) {
      const e = new C();
      expect(e.code).toMatch(/^T_ERR_RPC_[A-Z_]+$/);
      expect(e.name).toBe(C.name);
      expect(e).toBeInstanceOf(api.RpcError);
    }
  });

  it("lists every code in the README's Errors table", () => {
    for (const C of errorClasses) {
      const code = new C().code;
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*\`${C.name}\`\\s*\\|`));
    }
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
