import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeXsrfToken, encodeXsrfToken, newXsrfTokenBytes, xorMask } from "../src/index.js";

describe("XSRF tokens", () => {
  it("masks the same token differently each time and unmasks it back", () => {
    const token = newXsrfTokenBytes();
    expect(token.length).toBe(16);
    const a = encodeXsrfToken(token, 1300000000);
    const b = encodeXsrfToken(token, 1300000000);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|1300000000$/);
    for (const s of [a, b]) {
      const d = decodeXsrfToken(s);
      expect(d?.version).toBe(2);
      expect(d?.timestamp).toBe(1300000000);
      expect(d?.token.equals(token)).toBe(true);
    }
  });

  it("encodes with a given mask exactly like Tornado (xor with the repeated 4-byte mask)", () => {
    const token = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const mask = Buffer.from("01020304", "hex");
    expect(encodeXsrfToken(token, 5, mask)).toBe("2|01020304|0113213745576573899ba9bfcddfedfb|5");
    expect(xorMask(mask, xorMask(mask, token)).equals(token)).toBe(true);
  });

  it("accepts v1 (bare hex) tokens and rejects unknown versions and malformed v2", () => {
    expect(decodeXsrfToken("abcd", 7)).toEqual({
      version: 1,
      token: Buffer.from("abcd", "hex"),
      timestamp: 7,
    });
    expect(decodeXsrfToken("3|aa|bb|1")).toBeNull();
    expect(decodeXsrfToken("2|zz|bb|1")).toBeNull();
    expect(decodeXsrfToken("2|01020304|bb")).toBeNull();
    expect(decodeXsrfToken("")).toBeNull();
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(() => decodeXsrfToken(s)).not.toThrow();
      }),
    );
  });

  it("rejects bad arguments", () => {
    expect(() => encodeXsrfToken(Buffer.alloc(0), 1)).toThrow(TypeError);
    expect(() => encodeXsrfToken(Buffer.alloc(4), 1, Buffer.alloc(3))).toThrow(TypeError);
  });
});
