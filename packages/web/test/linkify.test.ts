// linkify and squeeze: Tornado's escape_test linkify table and squeeze case.

import { describe, expect, it } from "vitest";
import { type LinkifyOptions, linkify, squeeze } from "../src/index.js";

const a = (href: string, text = href, extra = "") => `<a href="${href}"${extra}>${text}</a>`;

const linkifyTests: [string, LinkifyOptions, string][] = [
  ["hello http://world.com/!", {}, `hello ${a("http://world.com/")}!`],
  [
    "hello http://world.com/with?param=true&stuff=yes",
    {},
    `hello ${a("http://world.com/with?param=true&amp;stuff=yes")}`,
  ],
  [`http://url.com/w(${"a".repeat(45)}`, {}, `${a("http://url.com/w")}(${"a".repeat(45)}`],
  [
    `http://url.com/withmany${".".repeat(39)}`,
    {},
    `${a("http://url.com/withmany")}${".".repeat(39)}`,
  ],
  [
    `http://url.com/withmany${"(".repeat(34)}a)`,
    {},
    `${a("http://url.com/withmany")}${"(".repeat(34)}a)`,
  ],
  ["http://foo.com/blah_blah", {}, a("http://foo.com/blah_blah")],
  ["http://foo.com/blah_blah/", {}, a("http://foo.com/blah_blah/")],
  [
    "(Something like http://foo.com/blah_blah)",
    {},
    `(Something like ${a("http://foo.com/blah_blah")})`,
  ],
  ["http://foo.com/blah_blah_(wikipedia)", {}, a("http://foo.com/blah_blah_(wikipedia)")],
  [
    "http://foo.com/blah_(blah)_(wikipedia)_blah",
    {},
    a("http://foo.com/blah_(blah)_(wikipedia)_blah"),
  ],
  [
    "(Something like http://foo.com/blah_blah_(wikipedia))",
    {},
    `(Something like ${a("http://foo.com/blah_blah_(wikipedia)")})`,
  ],
  ["http://foo.com/blah_blah.", {}, `${a("http://foo.com/blah_blah")}.`],
  ["http://foo.com/blah_blah/.", {}, `${a("http://foo.com/blah_blah/")}.`],
  ["<http://foo.com/blah_blah>", {}, `&lt;${a("http://foo.com/blah_blah")}&gt;`],
  ["<http://foo.com/blah_blah/>", {}, `&lt;${a("http://foo.com/blah_blah/")}&gt;`],
  ["http://foo.com/blah_blah,", {}, `${a("http://foo.com/blah_blah")},`],
  ["http://www.example.com/wpstyle/?p=364.", {}, `${a("http://www.example.com/wpstyle/?p=364")}.`],
  ["rdar://1234", { permittedProtocols: ["http", "rdar"] }, a("rdar://1234")],
  ["rdar:/1234", { permittedProtocols: ["rdar"] }, a("rdar:/1234")],
  ["http://userid:password@example.com:8080", {}, a("http://userid:password@example.com:8080")],
  ["http://userid@example.com", {}, a("http://userid@example.com")],
  ["http://userid@example.com:8080", {}, a("http://userid@example.com:8080")],
  ["http://userid:password@example.com", {}, a("http://userid:password@example.com")],
  [
    "message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e",
    { permittedProtocols: ["http", "message"] },
    a("message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e"),
  ],
  ["http://\u27a1.ws/\u4a39", {}, a("http://\u27a1.ws/\u4a39")],
  ["<tag>http://example.com</tag>", {}, `&lt;tag&gt;${a("http://example.com")}&lt;/tag&gt;`],
  [
    "Just a www.example.com link.",
    {},
    `Just a ${a("http://www.example.com", "www.example.com")} link.`,
  ],
  ["Just a www.example.com link.", { requireProtocol: true }, "Just a www.example.com link."],
  [
    "A http://reallylong.com/link/that/exceedsthelenglimit.html",
    { requireProtocol: true, shorten: true },
    `A ${a(
      "http://reallylong.com/link/that/exceedsthelenglimit.html",
      "http://reallylong.com/link...",
      ' title="http://reallylong.com/link/that/exceedsthelenglimit.html"',
    )}`,
  ],
  [
    "A http://reallylongdomainnamethatwillbetoolong.com/hi!",
    { shorten: true },
    `A ${a(
      "http://reallylongdomainnamethatwillbetoolong.com/hi",
      "http://reallylongdomainnametha...",
      ' title="http://reallylongdomainnamethatwillbetoolong.com/hi"',
    )}!`,
  ],
  [
    "A file:///passwords.txt and http://web.com link",
    {},
    `A file:///passwords.txt and ${a("http://web.com")} link`,
  ],
  [
    "A file:///passwords.txt and http://web.com link",
    { permittedProtocols: ["file"] },
    `A ${a("file:///passwords.txt")} and http://web.com link`,
  ],
  [
    "www.external-link.com",
    { extraParams: 'rel="nofollow" class="external"' },
    a("http://www.external-link.com", "www.external-link.com", ' rel="nofollow" class="external"'),
  ],
  [
    "www.external-link.com and www.internal-link.com/blogs extra",
    {
      extraParams: (href) =>
        href.startsWith("http://www.internal-link.com")
          ? 'class="internal"'
          : 'rel="nofollow" class="external"',
    },
    `${a("http://www.external-link.com", "www.external-link.com", ' rel="nofollow" class="external"')} and ${a("http://www.internal-link.com/blogs", "www.internal-link.com/blogs", ' class="internal"')} extra`,
  ],
  [
    "www.external-link.com",
    { extraParams: () => '    rel="nofollow" class="external"  ' },
    a("http://www.external-link.com", "www.external-link.com", ' rel="nofollow" class="external"'),
  ],
];

describe("linkify (Tornado's escape_test table)", () => {
  for (const [text, options, html] of linkifyTests) {
    it(`${text} ${JSON.stringify(options)}`, () => {
      expect(linkify(text, options)).toBe(html);
    });
  }

  it("escapes everything that is not a link and refuses non-strings", () => {
    expect(linkify(`<script>alert("x")</script> & 'q'`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;",
    );
    expect(() => linkify(5 as never)).toThrow(TypeError);
  });

  it("does work linear in the input on pathological text (Gruber's regex killers, scaled up)", () => {
    const n = 20_000;
    const out = linkify(`http://url.com/w(${"a".repeat(n)} http://x.com/${".".repeat(n)}`);
    expect(out.startsWith(a("http://url.com/w"))).toBe(true);
    expect(out).toContain(a("http://x.com/"));
  });
});

describe("squeeze", () => {
  it("replaces runs of whitespace with one space and trims", () => {
    expect(squeeze("sequences     of    whitespace   chars")).toBe("sequences of whitespace chars");
    expect(squeeze("\t a\r\n\x00b \x0b")).toBe("a b");
  });
});
