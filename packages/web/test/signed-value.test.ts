import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createSignedValue,
  decodeSignedValue,
  getSignatureKeyVersion,
  signedValueVersion,
} from "../src/index.js";

const SECRET = "It's a secret to everybody";
const SECRET_DICT = { 0: "asdfbasdf", 1: "12312312", 2: "2342342" };
const present = () => 1300000000;
const past = () => 1300000000 - 86400 * 32;

describe("signed values (Tornado's v2 format)", () => {
  it("produces Tornado's known value for the same secret, name, value and time", () => {
    expect(createSignedValue(SECRET, "key", "value", { clock: present })).toBe(
      "2|1:0|10:1300000000|3:key|8:dmFsdWU=|3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152",
    );
  });

  it("round-trips any bytes under any name", () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 200 }), (name, bytes) => {
        const v = createSignedValue(SECRET, name, Buffer.from(bytes), { clock: present });
        const out = decodeSignedValue(SECRET, name, v, { clock: present });
        expect(out).not.toBeNull();
        expect(Buffer.compare(out as Buffer, Buffer.from(bytes))).toBe(0);
      }),
    );
  });

  it("rejects a value signed for another name", () => {
    const v = createSignedValue(SECRET, "key", "value", { clock: present });
    expect(decodeSignedValue(SECRET, "key2", v, { clock: present })).toBeNull();
  });

  it("rejects a value older than maxAgeDays (31 by default)", () => {
    const v = createSignedValue(SECRET, "key", "value", { clock: past });
    expect(decodeSignedValue(SECRET, "key", v, { clock: present })).toBeNull();
    expect(
      decodeSignedValue(SECRET, "key", v, { clock: present, maxAgeDays: 40 })?.toString(),
    ).toBe("value");
  });

  it("rejects every single-character tampering", () => {
    const v = createSignedValue(SECRET, "key", "value", { clock: present });
    for (let i = 0; i < v.length; i++) {
      const c = v[i] === "a" ? "b" : "a";
      const bad = v.slice(0, i) + c + v.slice(i + 1);
      expect(decodeSignedValue(SECRET, "key", bad, { clock: present })).toBeNull();
    }
  });

  it("rejects values signed with another secret, malformed values and garbage without throwing", () => {
    const v = createSignedValue(SECRET, "key", "value", { clock: present });
    expect(decodeSignedValue("other secret", "key", v, { clock: present })).toBeNull();
    for (const bad of [
      "",
      "2|",
      "2|1:0",
      "2|x:0|",
      "dmFsdWU=|1300000000|31c9",
      "3|1:0|10:1300000000|3:key|8:dmFsdWU=|ab",
      null,
      undefined,
    ]) {
      expect(decodeSignedValue(SECRET, "key", bad, { clock: present })).toBeNull();
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(() => decodeSignedValue(SECRET, "key", s)).not.toThrow();
      }),
    );
  });

  it("signs with the chosen key version and verifies with the matching key (rotation)", () => {
    const v = createSignedValue(SECRET_DICT, "key", "value", { clock: present, keyVersion: 1 });
    expect(getSignatureKeyVersion(v)).toBe(1);
    expect(decodeSignedValue(SECRET_DICT, "key", v, { clock: present })?.toString()).toBe("value");
    // After rotation the old key is still accepted while present ...
    expect(
      decodeSignedValue({ 1: "12312312", 3: "new" }, "key", v, { clock: present })?.toString(),
    ).toBe("value");
    // ... and rejected once removed.
    expect(decodeSignedValue({ 2: "2342342" }, "key", v, { clock: present })).toBeNull();
    // A value claiming a key version signed with another key fails.
    const forged = v.replace("2|1:1|", "2|1:2|");
    expect(decodeSignedValue(SECRET_DICT, "key", forged, { clock: present })).toBeNull();
  });

  it("throws TypeError/RangeError for programmer mistakes", () => {
    expect(() => createSignedValue("", "k", "v")).toThrow(TypeError);
    expect(() => createSignedValue(SECRET_DICT, "k", "v")).toThrow(TypeError);
    expect(() => createSignedValue(SECRET_DICT, "k", "v", { keyVersion: 9 })).toThrow(RangeError);
    expect(() => createSignedValue(SECRET, "k", 5 as unknown as string)).toThrow(TypeError);
  });

  it("reports the format version", () => {
    expect(signedValueVersion("2|1:0|")).toBe(2);
    expect(signedValueVersion("dmFsdWU=|1300000000|31c9")).toBe(0);
  });
});
