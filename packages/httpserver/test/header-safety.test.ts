// The one definition of a safe field name and value (isToken, isSafeFieldValue), HTTPHeaders'
// use of it, and its allocation-free case-insensitive name comparison.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HTTPHeaders, isSafeFieldValue, isToken } from "../src/index.js";

/** RFC 9110 §5.6.2 tchar, written out independently of char-classes.ts. */
const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Any string over the characters that matter: ASCII, latin1 and a few beyond it. */
const anyText = fc.string({
  unit: fc
    .oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constantFrom(0x100, 0x10a, 0x10d, 0x20ac, 0xfeff),
    )
    .map((c) => String.fromCharCode(c)),
  maxLength: 90, // past isSafeFieldValue's switch from a loop to a regex at 64 characters
});

/** A string with one letter's case flipped at random per position. */
function recase(s: string, flips: boolean[]): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    out += flips[i % flips.length]
      ? ch === ch.toLowerCase()
        ? ch.toUpperCase()
        : ch.toLowerCase()
      : ch;
  }
  return out;
}

describe("isToken", () => {
  it("accepts exactly the non-empty strings of RFC 9110 tchars", () => {
    for (let c = 0; c < 0x300; c++) {
      const ch = String.fromCharCode(c);
      expect(isToken(ch)).toBe(TCHARS.includes(ch));
    }
    expect(isToken("")).toBe(false);
    fc.assert(
      fc.property(anyText, (s) => {
        expect(isToken(s)).toBe(s.length > 0 && [...s].every((ch) => TCHARS.includes(ch)));
      }),
    );
  });
});

describe("isSafeFieldValue", () => {
  it("refuses CR, LF, NUL and anything beyond U+00FF, and nothing else, at any length", () => {
    const unsafe = (s: string) =>
      /[\r\n\0]/.test(s) || [...s].some((ch) => ch.charCodeAt(0) > 0xff);
    fc.assert(
      fc.property(anyText, (s) => {
        expect(isSafeFieldValue(s)).toBe(!unsafe(s));
      }),
    );
    // A character whose low byte is CR or LF, at both ends of the 64-character switch.
    for (const n of [0, 63, 64, 65, 200]) {
      expect(isSafeFieldValue(`${"x".repeat(n)}\u010a`)).toBe(false);
      expect(isSafeFieldValue(`${"x".repeat(n)}\t\x01\x7f\u00ff`)).toBe(true);
    }
  });
});

describe("HTTPHeaders checks every field it is given with isToken and isSafeFieldValue", () => {
  it("add, set and the constructor throw TypeError exactly when the definitions refuse", () => {
    fc.assert(
      fc.property(anyText, anyText, (name, value) => {
        const ok = isToken(name) && isSafeFieldValue(value);
        for (const write of [
          () => new HTTPHeaders().add(name, value),
          () => new HTTPHeaders().set(name, value),
          () => new HTTPHeaders([[name, value]]),
        ]) {
          if (ok) expect(write).not.toThrow();
          else expect(write).toThrow(TypeError);
        }
      }),
    );
  });
});

describe("HTTPHeaders name comparison", () => {
  it("finds a field under any ASCII casing of its name, and never under another name", () => {
    const name = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/);
    fc.assert(
      fc.property(
        name,
        name,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        (a, b, flips) => {
          const h = new HTTPHeaders([
            [a, "1"],
            [b, "2"],
          ]);
          const asked = recase(a, flips);
          const sameAB = a.toLowerCase() === b.toLowerCase();
          expect(h.has(asked)).toBe(true);
          expect(h.get(asked)).toBe(sameAB ? "1,2" : "1");
          expect(h.getList(asked)).toEqual(sameAB ? ["1", "2"] : ["1"]);
        },
      ),
    );
  });

  it("folds letters only: ^ and ~, \\ and |, @ and ` (0x20 apart like A and a) stay different", () => {
    // These pairs differ only in bit 0x20, as "A" and "a" do; only letters may be folded.
    const h = new HTTPHeaders([
      ["X-a^b", "caret"],
      ["X-a|b", "bar"],
      ["X-a`b", "backtick"],
    ]);
    expect(h.get("X-a~b")).toBeUndefined();
    expect(h.get("X-A^B")).toBe("caret");
    expect(h.get("x-a\\b")).toBeUndefined();
    expect(h.get("X-a@b")).toBeUndefined();
    expect(h.get("x-A`B")).toBe("backtick");
    expect(h.has("X-A|B")).toBe(true);
  });

  it("keeps no derived state: the adopted array is read as it is at each lookup", () => {
    const raw = ["Content-Type", "text/plain"];
    const h = HTTPHeaders.fromRaw(raw);
    expect(h.get("CONTENT-TYPE")).toBe("text/plain");
    expect(h.has("x-late")).toBe(false);
    // The owner of an adopted array (the request parser) may still append to it.
    raw.push("X-Late", "1");
    expect(h.get("x-LATE")).toBe("1");
    expect(h.keys()).toEqual(["Content-Type", "X-Late"]);
  });

  it("set replaces every field of the name by one at the end, in place when it was the last", () => {
    const raw = ["A", "1", "B", "2"];
    const h = HTTPHeaders.fromRaw(raw);
    h.set("b", "3");
    expect(raw).toEqual(["A", "1", "b", "3"]);
    h.add("a", "4");
    h.set("A", "5");
    expect([...h]).toEqual([
      ["b", "3"],
      ["A", "5"],
    ]);
    expect(h.delete("B")).toBe(true);
    expect(h.delete("B")).toBe(false);
    expect([...h]).toEqual([["A", "5"]]);
  });

  it("setTrusted replaces like set without checking; numbers are formatted, names still checked", () => {
    const h = new HTTPHeaders([
      ["Etag", '"old"'],
      ["Content-Type", "text/html"],
    ]);
    h.setTrusted("etag", '"0123abcd"');
    h.setTrusted("Content-Length", "12");
    h.setTrusted("Content-Length", "13");
    expect([...h]).toEqual([
      ["Content-Type", "text/html"],
      ["etag", '"0123abcd"'],
      ["Content-Length", "13"],
    ]);
    // A number needs no value check (its decimal form is safe), but the name is still a token.
    h.set("X-Count", 12.5);
    h.add("X-Count", -1);
    expect(h.getList("x-count")).toEqual(["12.5", "-1"]);
    expect(() => h.set("Bad Name", 1)).toThrow(TypeError);
    expect(() => h.add("X", true as unknown as string)).toThrow(TypeError);
  });
});
