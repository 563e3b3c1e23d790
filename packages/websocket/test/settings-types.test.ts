// The types agree with the run-time check: @t/websocket's settings are part of @t/web's
// ApplicationSettings (declaration merging), unknown keys are type errors.

import { fileURLToPath } from "node:url";
import { Application } from "@t/web";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { WEBSOCKET_SETTINGS } from "../src/index.js";

describe("Application settings of @t/websocket", () => {
  it("are accepted at run time once @t/websocket is loaded", () => {
    const settings = Object.fromEntries(WEBSOCKET_SETTINGS.map((k) => [k, 1000]));
    expect(() => new Application([], settings)).not.toThrow();
  });

  it("type-check, and unknown keys do not", () => {
    const file = fileURLToPath(new URL("./fixtures/settings-types.ts", import.meta.url));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: ["node"],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    // Each @ts-expect-error must be used (else "Unused '@ts-expect-error' directive"), and
    // nothing else may fail.
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
