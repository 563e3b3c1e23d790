import { describe, expect, it } from "vitest";
import {
  compileHostPattern,
  findRoute,
  RequestHandler,
  ReverseUrlError,
  URLSpec,
} from "../src/index.js";

class H extends RequestHandler {}

describe("URLSpec and routing", () => {
  it("anchors patterns at both ends", () => {
    const s = new URLSpec("/foo", H);
    expect(s.match("/foo")).not.toBeNull();
    expect(s.match("/foo/bar")).toBeNull();
    expect(s.match("/x/foo")).toBeNull();
  });

  it("treats an escaped \\$ at the end as a literal dollar, not an anchor", () => {
    const s = new URLSpec(String.raw`/price\$`, H);
    expect(s.match("/price$")).not.toBeNull();
    expect(s.match("/price")).toBeNull();
    const anchored = new URLSpec(String.raw`/a\\$`, H); // an escaped backslash, then the anchor
    expect(anchored.match("/a\\")).not.toBeNull();
  });

  it("extracts positional groups, percent-decoded as UTF-8 path segments", () => {
    const s = new URLSpec(String.raw`/user/([^/]+)/(\d+)`, H);
    expect(s.match("/user/h%C3%A9+x/42")?.pathArgs).toEqual(["hé+x", "42"]);
  });

  it("passes named groups by name only", () => {
    const s = new URLSpec(String.raw`/(?<section>\w+)/(?<id>\d+)`, H);
    const m = s.match("/posts/7");
    expect(m?.pathKwargs).toEqual({ section: "posts", id: "7" });
    expect(m?.pathArgs).toEqual([]);
  });

  it("reverses simple patterns, escaping arguments (Tornado's reverse_url cases)", () => {
    expect(new URLSpec("/", H).reverse()).toBe("/");
    expect(new URLSpec("/decode_arg/(.*)", H).reverse("foo")).toBe("/decode_arg/foo");
    expect(new URLSpec("/decode_arg/(.*)", H).reverse(42)).toBe("/decode_arg/42");
    expect(new URLSpec("/decode_arg/(.*)", H).reverse("a b/é")).toBe("/decode_arg/a%20b/%C3%A9");
    expect(new URLSpec(String.raw`/api/v1\.0/(?<id>\d+)/x`, H).reverse("5")).toBe("/api/v1.0/5/x");
    expect(new URLSpec(String.raw`/a/(\d+)/b/(\w+)$`, H).reverse(1, "z")).toBe("/a/1/b/z");
  });

  it("refuses to reverse complex patterns or with the wrong argument count", () => {
    expect(() => new URLSpec(String.raw`/(?:a|b)/(\d+)`, H).reverse("1")).toThrow(ReverseUrlError);
    expect(() => new URLSpec(String.raw`/x\d+`, H).reverse()).toThrow(ReverseUrlError);
    expect(() => new URLSpec(String.raw`/(\d+)`, H).reverse()).toThrow(ReverseUrlError);
  });

  it("rejects bad route definitions with TypeError", () => {
    expect(() => new URLSpec("/", undefined as unknown as typeof H)).toThrow(TypeError);
    expect(() => new URLSpec(5 as unknown as string, H)).toThrow(TypeError);
  });

  it("searches host rules in order and falls through to later rules", () => {
    const a = new URLSpec("/only-a", H, {}, "a");
    const any = new URLSpec("/x", H, {}, "any");
    const rules = [
      { hostRegex: compileHostPattern(String.raw`www\.example\.com`), specs: [a] },
      { hostRegex: /^/, specs: [any] },
    ];
    expect(findRoute(rules, "www.example.com", "/only-a")?.spec).toBe(a);
    expect(findRoute(rules, "www.example.com", "/x")?.spec).toBe(any);
    expect(findRoute(rules, "other.com", "/only-a")).toBeNull();
    expect(findRoute(rules, "WWW.EXAMPLE.COM", "/only-a")?.spec).toBe(a);
  });
});
