import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  jsonDecode,
  jsonEncode,
  urlEscape,
  urlUnescape,
  xhtmlEscape,
  xhtmlUnescape,
} from "../src/index.js";

describe("escape helpers", () => {
  it("xhtmlEscape escapes the five HTML specials (Tornado's cases)", () => {
    expect(xhtmlEscape(`<foo>&"'`)).toBe("&lt;foo&gt;&amp;&quot;&#39;");
    expect(xhtmlEscape("plain")).toBe("plain");
    expect(xhtmlEscape(5)).toBe("5");
  });

  it("xhtmlUnescape undoes named and numeric entities", () => {
    expect(xhtmlUnescape("&lt;&#39;&#x41;&amp;amp;&bogus;")).toBe("<'A&amp;&bogus;");
    // Only real entities: nothing inherited, no prefix-parsed numbers, no "x" on names.
    expect(xhtmlUnescape("&constructor;&__proto__;&xamp;&#1G;&#xZZ;")).toBe(
      "&constructor;&__proto__;&xamp;&#1G;&#xZZ;",
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(xhtmlUnescape(xhtmlEscape(s))).toBe(s);
      }),
    );
  });

  it("urlEscape/urlUnescape: quote_plus by default, path style without plus", () => {
    expect(urlEscape("a b/c&d=é")).toBe("a+b%2Fc%26d%3D%C3%A9");
    expect(urlEscape("a b/c", false)).toBe("a%20b/c");
    expect(urlUnescape("a+b%2Fc")).toBe("a b/c");
    expect(urlUnescape("a+b%2Fc", false)).toBe("a+b/c");
    expect(urlUnescape("%zz%4")).toBe("%zz%4");
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (s, plus) => {
        const t = s.replace(/[\ud800-\udfff]/g, "");
        expect(urlUnescape(urlEscape(t, plus), plus)).toBe(t);
      }),
    );
  });

  it("jsonEncode is safe inside <script> and jsonDecode reads strings and Buffers", () => {
    expect(jsonEncode({ a: "</script>" })).toBe('{"a":"<\\/script>"}');
    expect(jsonDecode(jsonEncode({ a: "</script>" }))).toEqual({ a: "</script>" });
    expect(jsonDecode(Buffer.from("[1]"))).toEqual([1]);
    expect(() => jsonEncode(undefined)).toThrow(TypeError);
  });
});
