// errorTableProblems: each way a README's Errors table and a package's codes can disagree is found.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorTableProblems } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "t-error-table-"));
let files = 0;
function readme(text: string): string {
  const path = join(dir, `README-${files++}.md`);
  writeFileSync(path, text);
  return path;
}

function table(...rows: string[]): string {
  return [
    "# @t/x",
    "",
    "## Errors",
    "",
    "| code | class | when |",
    "| ---- | ----- | ---- |",
    ...rows,
    "",
    "## Performance",
    "",
  ].join("\n");
}

class XError extends Error {
  override readonly name: string = "XError";
  readonly code: string = "T_ERR_X";
}
class GoneError extends XError {
  override readonly name = "GoneError";
  override readonly code = "T_ERR_X_GONE";
}
const CODES = { XError: "T_ERR_X", GoneError: "T_ERR_X_GONE" };
const GOOD = table("| `T_ERR_X` | `XError` | base |", "| `T_ERR_X_GONE` | `GoneError` | gone |");

describe("errorTableProblems", () => {
  it("finds nothing when the table lists exactly the codes, each with its class", () => {
    expect(errorTableProblems(readme(GOOD), CODES)).toEqual([]);
    expect(errorTableProblems(new URL(`file://${readme(GOOD)}`), CODES)).toEqual([]);
    const exports = { XError, GoneError };
    expect(errorTableProblems(readme(GOOD), CODES, { exports, base: XError })).toEqual([]);
  });

  it("reports a code without a row, and a row naming another class", () => {
    expect(errorTableProblems(readme(table("| `T_ERR_X` | `XError` | base |")), CODES)).toEqual([
      "the Errors table has no row for T_ERR_X_GONE (GoneError)",
    ]);
    const swapped = table("| `T_ERR_X` | `XError` | |", "| `T_ERR_X_GONE` | `LostError` | |");
    expect(errorTableProblems(readme(swapped), CODES)).toEqual([
      "the Errors table gives T_ERR_X_GONE to LostError, not to GoneError",
    ]);
  });

  it("reports a code the README names that no class has, in the table or in the prose", () => {
    const stale = `${GOOD}\nOn timeout the call rejects with \`T_ERR_X_SLOW\`.\n`;
    expect(errorTableProblems(readme(stale), CODES)).toEqual([
      "the README names T_ERR_X_SLOW, which no class has",
    ]);
    const row = table(
      "| `T_ERR_X` | `XError` | |",
      "| `T_ERR_X_GONE` | `GoneError` | |",
      "| `T_ERR_X_OLD` | `OldError` | |",
    );
    expect(errorTableProblems(readme(row), CODES)).toEqual([
      "the README names T_ERR_X_OLD, which no class has",
    ]);
  });

  it("accepts foreign classes the README documents, and requires their rows", () => {
    const withAbort = table(
      "| `T_ERR_X` | `XError` | |",
      "| `T_ERR_X_GONE` | `GoneError` | |",
      "| `T_ERR_ABORTED` | `AbortError` | the class is @t/ioloop's |",
    );
    const foreign = { AbortError: "T_ERR_ABORTED" };
    expect(errorTableProblems(readme(withAbort), CODES)).toEqual([
      "the README names T_ERR_ABORTED, which no class has",
    ]);
    expect(errorTableProblems(readme(withAbort), CODES, { foreign })).toEqual([]);
    expect(errorTableProblems(readme(GOOD), CODES, { foreign })).toEqual([
      "the Errors table has no row for T_ERR_ABORTED (AbortError)",
    ]);
  });

  it("reports shared codes, malformed codes, repeated rows and a missing section", () => {
    const twice = table(
      "| `T_ERR_X` | `XError` | |",
      "| `T_ERR_X_GONE` | `GoneError` | |",
      "| `T_ERR_X_GONE` | `GoneError` | again |",
    );
    expect(errorTableProblems(readme(twice), CODES)).toEqual([
      "the Errors table has 2 rows for T_ERR_X_GONE",
    ]);
    expect(
      errorTableProblems(readme(GOOD), { ...CODES, OtherError: "T_ERR_X", BadError: "E_BAD" }),
    ).toEqual([
      "XError and OtherError share the code T_ERR_X",
      "BadError's code E_BAD is not of the form T_ERR_…",
      "the Errors table gives T_ERR_X to XError, not to OtherError",
      "the Errors table has no row for E_BAD (BadError)",
    ]);
    expect(errorTableProblems(readme("# @t/x\n\n## API\n"), CODES)).toEqual([
      'the README has no "## Errors" section',
    ]);
  });

  it("with exports: every exported error class is in the codes, carries its code and name, and extends the base", () => {
    class Stray extends Error {
      readonly code = "T_ERR_X_STRAY";
    }
    class Mislabelled extends XError {
      override readonly name = "Wrong";
      override readonly code = "T_ERR_X_OTHER";
    }
    class Picky extends Error {
      constructor(required: { n: number }) {
        super(String(required.n));
      }
    }
    expect(
      errorTableProblems(readme(GOOD), CODES, {
        exports: { XError, GoneError: Mislabelled, Stray, Picky, helper: () => 1, VERSION: "1" },
        unlisted: ["Picky"],
      }),
    ).toEqual([
      "new GoneError().code is T_ERR_X_OTHER, the codes say T_ERR_X_GONE",
      'new GoneError().name is Wrong, not "GoneError"',
      "the error class Stray is exported but has no entry in the codes",
    ]);
    class Loner extends Error {
      override readonly name = "Loner";
      readonly code = "T_ERR_X_LONER";
    }
    expect(
      errorTableProblems(
        readme(GOOD),
        { ...CODES, Loner: "T_ERR_X_LONER" },
        { exports: { XError, GoneError, Loner }, base: XError },
      ),
    ).toEqual([
      "the Errors table has no row for T_ERR_X_LONER (Loner)",
      "Loner does not extend XError",
    ]);
    expect(
      errorTableProblems(readme(GOOD), { ...CODES, Picky: "T_ERR_X" }, { exports: { Picky } }),
    ).toEqual([
      "XError and Picky share the code T_ERR_X",
      "the Errors table gives T_ERR_X to XError, not to Picky",
      expect.stringMatching(/^new Picky\(\) threw \(TypeError: .*\); list it in `unlisted`$/),
      "the codes name XError, which is not exported",
      "the codes name GoneError, which is not exported",
    ]);
  });
});
