// urlConcat: Tornado's httputil_test UrlConcat cases.

import { describe, expect, it } from "vitest";
import { urlConcat } from "../src/index.js";

describe("urlConcat", () => {
  const cases: [string, Parameters<typeof urlConcat>[1], string][] = [
    [
      "https://localhost/path",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?y=y&z=z",
    ],
    [
      "https://localhost/path",
      [
        ["y", "/y"],
        ["z", "z"],
      ],
      "https://localhost/path?y=%2Fy&z=z",
    ],
    [
      "https://localhost/path?",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?y=y&z=z",
    ],
    [
      "https://localhost/path?x",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?x=&y=y&z=z",
    ],
    [
      "https://localhost/path?x&",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?x=&y=y&z=z",
    ],
    [
      "https://localhost/path?a=1&b=2",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?a=1&b=2&y=y&z=z",
    ],
    ["https://localhost/path?r=1&t=2", [], "https://localhost/path?r=1&t=2"],
    ["https://localhost/path?r=1&t=2", null, "https://localhost/path?r=1&t=2"],
    ["https://localhost/path#tab", [["y", "y"]], "https://localhost/path?y=y#tab"],
    [
      "https://localhost/path",
      [
        ["y", "y1"],
        ["y", "y2"],
      ],
      "https://localhost/path?y=y1&y=y2",
    ],
    ["https://localhost/path?r=1&r=2", [["y", "y"]], "https://localhost/path?r=1&r=2&y=y"],
    ["https://localhost/path", { y: "y" }, "https://localhost/path?y=y"],
  ];
  for (const [url, args, expected] of cases) {
    it(`${url} + ${JSON.stringify(args)} → ${expected}`, () => {
      expect(urlConcat(url, args)).toBe(expected);
    });
  }

  it("encodes as a form does, repeats array values, keeps relative URLs and fragments last", () => {
    expect(urlConcat("/search?q=a%20b", { page: 2, tag: ["x y", "é"] })).toBe(
      "/search?q=a+b&page=2&tag=x+y&tag=%C3%A9",
    );
    expect(urlConcat("/p?a=1#frag?x=y", new Map([["b", "2"]]))).toBe("/p?a=1&b=2#frag?x=y");
    expect(urlConcat("/p", new URLSearchParams("a=1&a=2"))).toBe("/p?a=1&a=2");
  });

  it("refuses what is not an object or pairs with a TypeError", () => {
    expect(() => urlConcat("/p", "a=1" as never)).toThrow(TypeError);
    expect(() => urlConcat("/p", [["a"]] as never)).toThrow(/\[name, value\] pairs/);
    expect(() => urlConcat(5 as never, {})).toThrow(TypeError);
  });
});
