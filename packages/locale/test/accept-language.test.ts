// parseAcceptLanguage: Tornado's get_browser_locale ordering, lenient q parsing, and bounded work on hostile headers.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACCEPT_LANGUAGE_MAX_ENTRIES,
  ACCEPT_LANGUAGE_MAX_LENGTH,
  parseAcceptLanguage,
} from "../src/index.js";

describe("parseAcceptLanguage", () => {
  it("orders ranges by q-value, highest first; no q means 1", () => {
    expect(parseAcceptLanguage("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5")).toEqual([
      "fr-CH",
      "fr",
      "en",
      "de",
    ]);
    expect(parseAcceptLanguage("en;q=0.1,de;q=0.5,fr")).toEqual(["fr", "de", "en"]);
  });

  it("keeps the header's order among equal weights (a stable sort)", () => {
    expect(parseAcceptLanguage("da, en-GB;q=0.8, en;q=0.8, pt;q=0.8, es")).toEqual([
      "da",
      "es",
      "en-GB",
      "en",
      "pt",
    ]);
  });

  it("drops q=0 and q values that are not numbers, as Tornado does", () => {
    expect(parseAcceptLanguage("en;q=0, fr;q=abc, de;q=-1, it;q=, es;q=0.000")).toEqual([]);
    expect(parseAcceptLanguage("en;q=1e3, fr;q=0.5")).toEqual(["fr"]);
  });

  it("reads q case-insensitively, with spaces, and clamps values above 1", () => {
    expect(parseAcceptLanguage("en ; Q=0.2 , fr;q= 0.4, de;q=7")).toEqual(["de", "fr", "en"]);
    expect(parseAcceptLanguage("en;q=.5,fr;q=1.")).toEqual(["fr", "en"]);
  });

  it("ignores parameters other than q (weight 1), reading only the first as Tornado does", () => {
    expect(parseAcceptLanguage("en;q=0.5, fr;level=1")).toEqual(["fr", "en"]);
    expect(parseAcceptLanguage("en;level=1;q=0.1, fr;q=0.5")).toEqual(["en", "fr"]);
  });

  it("leaves out * and anything that is not a language range", () => {
    expect(parseAcceptLanguage("*")).toEqual([]);
    expect(parseAcceptLanguage("*, en;q=0.5")).toEqual(["en"]);
    expect(
      parseAcceptLanguage(
        "en US, <script>, fr--FR, toolonglanguage, 12, , ;q=1, zh-Hant-TW, pt_BR",
      ),
    ).toEqual(["zh-Hant-TW", "pt_BR"]);
  });

  it("returns [] for an absent or empty header", () => {
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage(null)).toEqual([]);
    expect(parseAcceptLanguage("")).toEqual([]);
    expect(parseAcceptLanguage(" , ,")).toEqual([]);
  });

  it(`reads only the first ${ACCEPT_LANGUAGE_MAX_ENTRIES} entries`, () => {
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const codes = Array.from(
      { length: 100 },
      (_, i) => `${letters[i % 26]}${letters[Math.floor(i / 26)]}`,
    );
    const header = [...codes, "fr;q=1"].join(",");
    const out = parseAcceptLanguage(header);
    expect(out.length).toBe(ACCEPT_LANGUAGE_MAX_ENTRIES);
    expect(out).not.toContain("fr");
    expect(parseAcceptLanguage("de,en,fr", { maxEntries: 2 })).toEqual(["de", "en"]);
  });

  it(`reads only the first ${ACCEPT_LANGUAGE_MAX_LENGTH} characters, dropping an entry the limit cuts`, () => {
    const padding = `${"x;q=0,".repeat(Math.ceil(ACCEPT_LANGUAGE_MAX_LENGTH / 6))}`;
    expect(parseAcceptLanguage(`${padding}fr`, { maxEntries: 1000 })).toEqual([]);
    // "en-US" straddles the limit: neither it nor a truncated "en-U" comes out.
    const header = `de,${" ".repeat(ACCEPT_LANGUAGE_MAX_LENGTH - 5)}en-US,fr`;
    expect(parseAcceptLanguage(header)).toEqual(["de"]);
    expect(parseAcceptLanguage("de,en-US,fr", { maxLength: 7 })).toEqual(["de"]);
    expect(parseAcceptLanguage("de,en-US,fr", { maxLength: 8 })).toEqual(["de", "en-US"]);
    expect(parseAcceptLanguage("en-US", { maxLength: 3 })).toEqual([]);
  });

  it("refuses bad limits and non-string headers with RangeError / TypeError", () => {
    expect(() => parseAcceptLanguage("en", { maxLength: 0 })).toThrow(RangeError);
    expect(() => parseAcceptLanguage("en", { maxEntries: 1.5 })).toThrow(
      /maxEntries must be an integer/,
    );
    expect(() => parseAcceptLanguage(42 as unknown as string)).toThrow(TypeError);
  });

  it("any header: no exception, at most maxEntries ranges, each a language range", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const out = parseAcceptLanguage(header);
        expect(out.length).toBeLessThanOrEqual(ACCEPT_LANGUAGE_MAX_ENTRIES);
        for (const r of out) expect(r).toMatch(/^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$/);
      }),
      { numRuns: 3000 },
    );
  });

  it("any list of entries: the ranges of positive weight, by weight, ties in header order", () => {
    const range = fc.constantFrom("en", "en-US", "fr", "de-CH", "pt_BR", "*", "x y", "");
    const weight = fc.oneof(
      fc.constant<[string, number]>(["", 1]),
      fc.integer({ min: 0, max: 1000 }).map((m): [string, number] => [`;q=${m / 1000}`, m / 1000]),
      fc.constantFrom<[string, number]>([";q=abc", 0], [";q=-1", 0], [";level=2", 1]),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(range, weight), { maxLength: 60 }), (entries) => {
        const header = entries.map(([r, [q]]) => r + q).join(",");
        const expected = entries
          .slice(0, ACCEPT_LANGUAGE_MAX_ENTRIES)
          .map(([r, [, w]], i) => ({ r, w, i }))
          .filter(({ r, w }) => w > 0 && r !== "*" && r !== "" && r !== "x y")
          .sort((a, b) => b.w - a.w || a.i - b.i)
          .map(({ r }) => r);
        expect(parseAcceptLanguage(header)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("a megabyte header gives what its first maxLength characters give (the rest is never read)", () => {
    const honest = "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7";
    const hostile = `${honest}, ${"a;q=0.5,".repeat(130_000)}`;
    expect(hostile.length).toBeGreaterThan(1_000_000);
    const head = hostile.slice(0, hostile.lastIndexOf(",", ACCEPT_LANGUAGE_MAX_LENGTH));
    expect(parseAcceptLanguage(hostile, { maxEntries: 1000 })).toEqual(
      parseAcceptLanguage(head, { maxEntries: 1000 }),
    );
    expect(parseAcceptLanguage(hostile).slice(0, 4)).toEqual(["fr-CH", "fr", "en", "de"]);
  });
});
