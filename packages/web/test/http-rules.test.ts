import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acceptsGzip,
  computeEtag,
  contentTypeForFile,
  etagMatches,
  formatContentRange,
  formatSetCookie,
  guessType,
  isCompressibleType,
  parseRangeHeader,
  quoteCookieValue,
} from "../src/index.js";

describe("Range header parsing (Tornado's _parse_request_range)", () => {
  it("parses the single-range forms", () => {
    expect(parseRangeHeader("bytes=1-2")).toEqual({ start: 1, end: 3 });
    expect(parseRangeHeader("bytes=6-")).toEqual({ start: 6, end: null });
    expect(parseRangeHeader("bytes=-6")).toEqual({ start: -6, end: null });
    expect(parseRangeHeader("bytes=-0")).toEqual({ start: null, end: 0 });
    expect(parseRangeHeader("bytes = 0 - 9")).toEqual({ start: 0, end: 10 });
  });
  it("ignores anything else", () => {
    for (const h of [
      "",
      "asdf",
      "bytes=",
      "bytes=-",
      "bytes=a-b",
      "bytes=1-2,4-5",
      "items=1-2",
      undefined,
    ]) {
      expect(parseRangeHeader(h)).toBeNull();
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(() => parseRangeHeader(s)).not.toThrow();
      }),
    );
  });
  it("formats Content-Range", () => {
    expect(formatContentRange(1, 3, 10)).toBe("bytes 1-2/10");
    expect(formatContentRange(null, null, 10)).toBe("bytes 0-9/10");
    expect(formatContentRange(5, null, 10)).toBe("bytes 5-9/10");
  });
});

describe("ETags", () => {
  it("computes a quoted sha1 of the body", () => {
    expect(computeEtag([Buffer.from("a"), Buffer.from("b")])).toBe(
      '"da23614e02469a0d7c7bd1bdab5c9c474b1904dc"',
    );
  });
  it("matches If-None-Match by weak comparison, lists and *", () => {
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches('"x", W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches("*", '"abc"')).toBe(true);
    expect(etagMatches('"abd"', '"abc"')).toBe(false);
    expect(etagMatches("", '"abc"')).toBe(false);
    expect(etagMatches('"abc"', undefined)).toBe(false);
  });
});

describe("MIME types and compressibility", () => {
  it("guesses types and encodings", () => {
    expect(guessType("a/b.css")).toEqual(["text/css", null]);
    expect(guessType("x.tar.gz")).toEqual([null, "gzip"]);
    expect(contentTypeForFile("/r/robots.txt")).toBe("text/plain; charset=utf-8");
    expect(contentTypeForFile("/r/a.png")).toBe("image/png");
    expect(contentTypeForFile("/r/a.gz")).toBe("application/gzip");
    expect(contentTypeForFile("/r/noext")).toBe("application/octet-stream");
  });
  it("compresses text, JSON, JS, XML and SVG but not images", () => {
    expect(isCompressibleType("text/html; charset=UTF-8")).toBe(true);
    expect(isCompressibleType("application/json")).toBe(true);
    expect(isCompressibleType("image/svg+xml")).toBe(true);
    expect(isCompressibleType("image/png")).toBe(false);
    expect(isCompressibleType(undefined)).toBe(false);
  });
  it("reads Accept-Encoding", () => {
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("br;q=1, gzip;q=0")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

describe("Set-Cookie formatting", () => {
  it("quotes values like Python's SimpleCookie", () => {
    expect(quoteCookieValue("abc|1:2")).toBe("abc|1:2");
    expect(quoteCookieValue("a=b")).toBe('"a=b"');
    expect(quoteCookieValue('a"b;c')).toBe('"a\\"b\\073c"');
  });
  it("writes the attributes", () => {
    const s = formatSetCookie("n", "v", {
      domain: "example.com",
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      maxAge: 10,
      path: "/p",
      httpOnly: true,
      secure: true,
      sameSite: "Lax",
    });
    expect(s).toBe(
      "n=v; Domain=example.com; expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=10; Path=/p; HttpOnly; Secure; SameSite=Lax",
    );
    expect(formatSetCookie("n", "v", { expiresDays: 1 }, 0)).toBe(
      "n=v; expires=Fri, 02 Jan 1970 00:00:00 GMT; Path=/",
    );
  });
  it("rejects names and values that would break the header", () => {
    expect(() => formatSetCookie("a b", "v")).toThrow(TypeError);
    expect(() => formatSetCookie("n", "v\r\nX: y")).toThrow(TypeError);
    expect(() => formatSetCookie("n", "a b")).toThrow(TypeError);
    expect(() => formatSetCookie("n", "v", { path: "/;x" })).toThrow(TypeError);
  });
});
