// Unit and property tests of the incremental UTF-8 validator.

import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Utf8Validator } from "./utf8-validator.js";

function validate(bytes: Uint8Array, splits: number[] = []): boolean {
  const v = new Utf8Validator();
  let pos = 0;
  for (const s of [...splits].sort((a, b) => a - b)) {
    if (!v.update(bytes, pos, s)) return false;
    pos = s;
  }
  return v.update(bytes, pos, bytes.length) && v.complete();
}

describe("Utf8Validator", () => {
  it("accepts ASCII and multi-byte text", () => {
    expect(validate(Buffer.from("hello"))).toBe(true);
    expect(validate(Buffer.from("κόσμε ✓ 𝄞 日本"))).toBe(true);
  });

  it("rejects overlongs, surrogates, values above U+10FFFF and stray continuation bytes", () => {
    for (const bad of [
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x80, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0x80],
      [0xff],
    ]) {
      expect(validate(Buffer.from(bad)), bad.join(",")).toBe(false);
    }
  });

  it("keeps a sequence split between fragments and reports an unfinished one as incomplete", () => {
    const clef = Buffer.from("𝄞"); // f0 9d 84 9e
    expect(validate(clef, [1])).toBe(true);
    expect(validate(clef, [2, 3])).toBe(true);
    const v = new Utf8Validator();
    expect(v.update(clef, 0, 3)).toBe(true);
    expect(v.complete()).toBe(false);
  });

  it("fails fast on the first invalid byte even before the message ends", () => {
    const v = new Utf8Validator();
    expect(
      v.update(
        Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xf4, 0x90]),
      ),
    ).toBe(false);
  });

  it("agrees with Node's isUtf8 on random bytes, however they are split", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.nat(64), { maxLength: 4 }),
        (bytes, cuts) => {
          const splits = cuts.map((c) => Math.min(c, bytes.length));
          expect(validate(bytes, splits)).toBe(isUtf8(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("accepts every encoded string, however it is split", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        fc.array(fc.nat(200), { maxLength: 4 }),
        (s, cuts) => {
          const bytes = Buffer.from(s);
          expect(
            validate(
              bytes,
              cuts.map((c) => Math.min(c, bytes.length)),
            ),
          ).toBe(true);
        },
      ),
    );
  });
});
