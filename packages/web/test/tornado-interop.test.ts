// Signed values against real Tornado (Debian's python3-tornado): what one side signs, the other
// verifies, byte for byte. Skips, saying how to install it, where Tornado is missing.

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createSignedValue, decodeSignedValue } from "../src/index.js";

/** A python3 that can import tornado, or null. */
function tornadoPython(): string | null {
  for (const exe of ["/usr/bin/python3", "python3"]) {
    try {
      execFileSync(exe, ["-c", "import tornado"], { stdio: "ignore", timeout: 20_000 });
      return exe;
    } catch {
      // not this one
    }
  }
  return null;
}

const python = tornadoPython();
if (python === null) {
  console.warn(
    "[@t/web] python3-tornado not found: skipping the Tornado interop tests. Install it with: apt-get install python3-tornado",
  );
}

/** Run a Python snippet with Tornado; argv[1..] are `args`; returns its stdout, trimmed. */
function py(script: string, ...args: string[]): string {
  return execFileSync(python as string, ["-c", script, ...args], {
    encoding: "utf8",
    timeout: 20_000,
  }).trim();
}

const SECRET = "interop-secret-0123456789abcdef";

describe.skipIf(python === null)("signed values with Tornado", () => {
  it("verifies what Tornado signed, including non-ASCII values", () => {
    const signed = py(
      `import sys
from tornado.web import create_signed_value
sys.stdout.write(create_signed_value(sys.argv[1], sys.argv[2], sys.argv[3].encode()).decode())`,
      SECRET,
      "user",
      "zoë ☃",
    );
    expect(signed.startsWith("2|")).toBe(true);
    expect(decodeSignedValue(SECRET, "user", signed)?.toString("utf8")).toBe("zoë ☃");
    expect(decodeSignedValue(SECRET, "other", signed)).toBeNull();
    expect(decodeSignedValue(`${SECRET}x`, "user", signed)).toBeNull();
  });

  it("has Tornado verify what we signed, and refuse it once tampered with", () => {
    const signed = createSignedValue(SECRET, "session", "abc|def");
    const check = `import sys
from tornado.web import decode_signed_value
v = decode_signed_value(sys.argv[1], sys.argv[2], sys.argv[3])
sys.stdout.write("None" if v is None else v.decode())`;
    expect(py(check, SECRET, "session", signed)).toBe("abc|def");
    // The same signature over another value: the value field re-encoded, length kept.
    const [, field] = /\|12:([^|]+)\|/.exec(signed) ?? [];
    const tampered = signed.replace(field, Buffer.from("abd|def").toString("base64"));
    expect(tampered).not.toBe(signed);
    expect(py(check, SECRET, "session", tampered)).toBe("None");
    expect(py(check, SECRET, "other", signed)).toBe("None");
  });
});
