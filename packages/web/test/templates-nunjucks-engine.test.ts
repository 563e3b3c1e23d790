// NunjucksTemplateEngine on real template files: inheritance, includes, escaping, Tornado syntax, confinement, errors, caching.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Nunjucks from "nunjucks";
import { afterEach, describe, expect, it } from "vitest";
import { NunjucksTemplateEngine, TemplateError } from "../src/index.js";

const fixtures = fileURLToPath(new URL("./fixtures/templates-tornado/", import.meta.url));
const site = join(fixtures, "site");

const XSS = "<script>alert(1)</script>";
const ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;";

const links = [
  ["Home", "/?a=1&b=2"],
  ["About", "/about"],
];
const students = [
  { name: "<b>Ann</b>", age: 30 },
  { name: "Bob", age: 20 },
  { name: "Cy", age: 10 },
];

/** The rejection of `p`, which must be a TemplateError. */
async function templateErrorOf(p: Promise<unknown>): Promise<TemplateError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TemplateError);
  return err as TemplateError;
}

const engine = new NunjucksTemplateEngine({ templatePath: site });

describe("inheritance, includes, loops and conditionals", () => {
  it("a child template fills the layout's blocks; the layout includes a partial", async () => {
    const html = await engine.render("students.html", {
      school: "MIT",
      links,
      students,
      motto: "<em>hi</em>",
    });
    expect(html).toContain("<title>Students of MIT</title>");
    expect(html).toContain('<nav><a href="/?a=1&amp;b=2">Home</a><a href="/about">About</a></nav>');
    expect(html).toContain('<li class="senior">&lt;b&gt;Ann&lt;/b&gt;</li>');
    expect(html).toContain('<li class="adult">Bob</li>');
    expect(html).toContain('<li class="minor">Cy</li>');
    expect(html).toContain('<p id="count">3 students</p>');
    expect(html).not.toContain("No body.");
    expect(html).not.toContain("Anything outside a block");
    expect(html).not.toContain("a comment");
  });

  it("a layout rendered alone keeps its default blocks", async () => {
    const html = await engine.render("base.html", { links: [] });
    expect(html).toContain("<title>Default title</title>");
    expect(html).toContain("<p>No body.</p>");
  });

  it("plain nunjucks tags (endblock, endif, for-else) work in Tornado mode too", async () => {
    const html = await engine.render("nunjucks-style.html", { links: [], numbers: [1, 2, 3, 4] });
    expect(html).toContain("<title>Plain nunjucks</title>");
    expect(html).toContain("[2][4]");
    expect(html).not.toContain("none");
    expect(await engine.render("nunjucks-style.html", { links: [], numbers: [] })).toContain(
      "none",
    );
  });

  it("includes resolve against the including template's directory, as in Tornado", async () => {
    const html = await engine.render("pages/nested.html", { title: "T", links });
    expect(html).toBe(
      '<div class="card">T</div>\n|<nav><a href="/?a=1&amp;b=2">Home</a><a href="/about">About</a></nav>\n\n',
    );
  });

  it("the extension is added to names without one", async () => {
    expect(await engine.render("pages/card", { title: "x" })).toBe('<div class="card">x</div>\n');
  });
});

describe("escaping", () => {
  it("autoescapes {{ }} by default: an XSS string comes out as text", async () => {
    const html = await engine.render("namespace.html", nsVars());
    expect(html).toContain(`<p id="xss">${ESCAPED_XSS}</p>`);
    expect(html).not.toContain(XSS);
  });

  it("{% raw %} and | safe write markup unescaped", async () => {
    const html = await engine.render("students.html", {
      school: "",
      links: [],
      students: [],
      motto: "<em>hi</em>",
    });
    expect(html).toContain('<div id="raw"><em>hi</em></div>');
    expect(html).toContain('<div id="safe"><em>hi</em></div>');
    expect(html).toContain('<div id="escaped">&lt;em&gt;hi&lt;/em&gt;</div>');
  });

  it("{% autoescape None %} turns escaping off for the whole file only", async () => {
    const html = await engine.render("autoescape-off.html", { html: "<i>x</i>" });
    expect(html).toContain("<p><i>x</i></p>");
    expect(html).toContain("<p>&lt;i&gt;x&lt;/i&gt;</p>");
    expect(await engine.render("pages/card.html", { title: "<i>" })).toContain("&lt;i&gt;");
  });

  it("autoescape: false writes {{ }} as it is", async () => {
    const raw = new NunjucksTemplateEngine({ templatePath: site, autoescape: false });
    expect(await raw.render("pages/card.html", { title: XSS })).toContain(XSS);
  });
});

describe("Tornado syntax on load", () => {
  it("{% apply f %} passes the rendered body to f and writes the result unescaped", async () => {
    const html = await engine.render("apply.html", {
      greeting: "Hello",
      name: "<Ann>",
      url: "http://example.com/x",
    });
    expect(html).toBe(
      '<p> Hello, &lt;Ann&gt; </p>\nsee <a href="http://example.com/x">http://example.com/x</a>\n',
    );
  });

  it("whitespace: single by default for .html, <pre> kept, oneline and all by tag", async () => {
    const html = await engine.render("whitespace.html", {});
    expect(html).toBe(
      "<p>\nsingle mode:\nruns folded\n</p>\n\n<pre>\n  kept    as    is\n</pre>\n\n <p> one line </p> \n<p>\n  all    kept\n</p>\n",
    );
  });

  it("a whitespace option applies to every file", async () => {
    const all = new NunjucksTemplateEngine({ templatePath: site, whitespace: "all" });
    expect(await all.render("whitespace.html", {})).toContain("    single    mode:\n\n");
  });

  it("the built-in modules: xsrf_form_html, Template (awaited, own namespace) and linkify", async () => {
    const html = await engine.render("modules.html", {
      xsrfFormHtml: () => '<input type="hidden" name="_xsrf" value="tok">',
      card_title: "Card <1>",
      text: "go www.example.com now",
      title: "caller's title, not the card's",
    });
    expect(html).toContain('<form><input type="hidden" name="_xsrf" value="tok"></form>');
    expect(html).toContain('<div id="card"><div class="card">Card &lt;1&gt;</div>\n</div>');
    expect(html).toContain(
      '<div id="link">go <a href="http://www.example.com">www.example.com</a> now</div>',
    );
  });

  it("a namespace's own modules object serves {% module %}, Promises awaited, xsrf_form_html mapped", async () => {
    const modules = {
      Template: async (name: string) => `<section>${name}</section>`,
      linkify: (text: string) => `[${text}]`,
      xsrfFormHtml: () => "<input name=_xsrf>",
    };
    const html = await engine.render("modules.html", { modules, card_title: "", text: "t" });
    expect(html).toContain("<form><input name=_xsrf></form>");
    expect(html).toContain('<div id="card"><section>pages/card.html</section></div>');
    expect(html).toContain('<div id="link">[t]</div>');
  });

  it("Python's True, False and None are values, not undefined names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    try {
      writeFileSync(
        join(dir, "py.html"),
        "{% if True and not False and x == None %}yes{% else %}no{% end %}",
      );
      const e = new NunjucksTemplateEngine({ templatePath: dir });
      expect(await e.render("py.html", { x: null })).toBe("yes");
      expect(await e.render("py.html", { x: 1 })).toBe("no");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('syntax: "nunjucks" reads files as they are ({% end %} is then an error)', async () => {
    const dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    try {
      writeFileSync(join(dir, "layout.html"), "<h1>{% block t %}{% endblock %}</h1>");
      writeFileSync(
        join(dir, "page.html"),
        '{% extends "layout.html" %}{% block t %}{{ x }}{% endblock %}',
      );
      const plain = new NunjucksTemplateEngine({ templatePath: dir, syntax: "nunjucks" });
      expect(await plain.render("page.html", { x: "<b>" })).toBe("<h1>&lt;b&gt;</h1>");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const plain = new NunjucksTemplateEngine({ templatePath: site, syntax: "nunjucks" });
    const err = await templateErrorOf(plain.render("pages/nested.html", { links: [] }));
    // nunjucks' relative names need ./ — "card.html" is looked up at the root.
    expect(err.message).toMatch(/template not found: card\.html/);
    const err2 = await templateErrorOf(plain.render("base.html", { links: [] }));
    expect(err2.message).toMatch(/\(base\.html\) \[Line 4, Column \d+\]\s+unknown block tag: end/);
  });
});

describe("helpers as globals and filters", () => {
  it("url_escape, json_encode, squeeze, escape, linkify", async () => {
    const html = await engine.render("namespace.html", nsVars());
    expect(html).toContain('<p id="helpers">a+b%26c|{"a":"<\\/script>"}|x y</p>');
  });

  it("filters: | linkify and | xhtml_escape are safe HTML, | url_escape is escaped text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    try {
      writeFileSync(
        join(dir, "f.html"),
        "{{ t | linkify }}|{{ t | xhtml_escape }}|{{ q | url_escape }}|{{ url_escape(q, plus=False) }}|{{ linkify(t, shorten=True) }}",
      );
      const e = new NunjucksTemplateEngine({ templatePath: dir });
      expect(await e.render("f.html", { t: "<x> www.a.org", q: "a b/" })).toBe(
        '&lt;x&gt; <a href="http://www.a.org">www.a.org</a>|&lt;x&gt; www.a.org|a+b%2F|a%20b/|&amp;lt;x&amp;gt; &lt;a href=&quot;http://www.a.org&quot;&gt;www.a.org&lt;/a&gt;',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("env takes custom filters and globals", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    try {
      writeFileSync(join(dir, "g.html"), "{{ shout(x) }}|{{ x | twice }}");
      const e = new NunjucksTemplateEngine({ templatePath: dir });
      e.env.addGlobal("shout", (s: string) => s.toUpperCase());
      e.env.addFilter("twice", (s: string) => s + s);
      expect(await e.render("g.html", { x: "hi" })).toBe("HI|hihi");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the template directory is a boundary", () => {
  it.each([
    "../site-private/secret.html",
    "pages/../../site-private/secret.html",
    "/etc/passwd",
    `${site}/base.html`,
    "..\\site-private\\secret.html",
    "C:/Windows/win.ini",
    "base.html\0",
  ])("refuses %j", async (name) => {
    const err = await templateErrorOf(engine.render(name, {}));
    expect(err.code).toBe("T_ERR_TEMPLATE");
    expect(err.message).toMatch(/refused/);
    expect(err.message).not.toContain("SECRET");
  });

  it("refuses an include that climbs out of the directory", async () => {
    const err = await templateErrorOf(engine.render("includes-secret.html", {}));
    expect(err.message).toMatch(/"includes-secret\.html"/);
    expect(err.message).toMatch(/refused: it leaves the template directory/);
  });

  it("where nunjucks' own FileSystemLoader lets a sibling directory with the same prefix through", async () => {
    // The reason for our loader: FileSystemLoader checks resolved.startsWith(root) only.
    const nunjucks = createRequire(import.meta.url)("nunjucks") as typeof Nunjucks;
    const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(site));
    expect(env.render("../site-private/secret.html", {})).toContain("SECRET");
  });

  it("a name that is a directory, or missing, is not found", async () => {
    expect((await templateErrorOf(engine.render("pages/", {}))).message).toMatch(
      /template not found/,
    );
    const err = await templateErrorOf(engine.render("nope.html", {}));
    expect(err.message).toBe('cannot render template "nope.html": template not found: nope.html');
  });
});

describe("errors are TemplateErrors naming the template", () => {
  it("a mismatched {% end %}: the file and the line", async () => {
    const err = await templateErrorOf(engine.render("mismatched-end.html", { items: [] }));
    expect(err.message).toBe(
      '"mismatched-end.html" line 5: {% endfor %} closes the {% if %} opened on line 3 (expected {% endif %} or {% end %})',
    );
    const extra = await templateErrorOf(engine.render("extra-end.html", {}));
    expect(extra.message).toBe('"extra-end.html" line 3: {% end %} with no open block');
  });

  it("a Python expression nunjucks cannot parse: the file and the source line", async () => {
    const err = await templateErrorOf(engine.render("python-expression.html", { people: [] }));
    expect(err.message).toMatch(
      /^cannot render template "python-expression\.html": \(python-expression\.html\) \[Line 2, Column \d+\]/,
    );
    expect((err.cause as Error).name).toBe("Template render error");
  });

  it("an exception thrown while rendering: its message; with debug, the exception itself", async () => {
    const boom = new Error("kaboom");
    const vars = {
      boom: () => {
        throw boom;
      },
    };
    const err = await templateErrorOf(engine.render("runtime-error.html", vars));
    expect(err.message).toMatch(/^cannot render template "runtime-error\.html": .*Error: kaboom/s);
    // Without nunjucks' dev flag, its error is a fresh Error that drops the original.
    const debug = new NunjucksTemplateEngine({ templatePath: site, debug: true });
    const err2 = await templateErrorOf(debug.render("runtime-error.html", vars));
    expect((err2.cause as { cause?: unknown }).cause).toBe(boom);
  });

  it("an error in an included template names both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    try {
      writeFileSync(join(dir, "outer.html"), "a\n{% include 'inner.html' %}");
      writeFileSync(join(dir, "inner.html"), "\n\n{% for x in y %}");
      const e = new NunjucksTemplateEngine({ templatePath: dir });
      const err = await templateErrorOf(e.render("outer.html", {}));
      expect(err.message).toMatch(/^cannot render template "outer\.html": /);
      expect(err.message).toMatch(/"inner\.html" line 3: missing \{% end %\} for the \{% for %\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("throwOnUndefined makes an undefined output an error, as Tornado's NameError", async () => {
    const strict = new NunjucksTemplateEngine({ templatePath: site, throwOnUndefined: true });
    const err = await templateErrorOf(strict.render("pages/card.html", {}));
    expect(err.message).toMatch(/attempted to output null or undefined value/);
    expect(await engine.render("pages/card.html", {})).toBe('<div class="card"></div>\n');
  });

  it("a name that is no string, or empty, is a TypeError (a programmer's mistake)", async () => {
    await expect(engine.render("", {})).rejects.toThrow(TypeError);
    await expect(engine.render(7 as never, {})).rejects.toThrow(TypeError);
  });

  it("bad options are TypeErrors", () => {
    expect(() => new NunjucksTemplateEngine({} as never)).toThrow(TypeError);
    expect(
      () => new NunjucksTemplateEngine({ templatePath: site, syntax: "jinja" as never }),
    ).toThrow(TypeError);
  });
});

describe("caching", () => {
  let dir = "";
  afterEach(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
    dir = "";
  });

  it("cache (the default) keeps the compiled file; cache: false and debug read it again", async () => {
    dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    cpSync(join(site, "pages"), dir, { recursive: true });
    const cached = new NunjucksTemplateEngine({ templatePath: dir });
    const fresh = new NunjucksTemplateEngine({ templatePath: dir, cache: false });
    const debug = new NunjucksTemplateEngine({ templatePath: dir, debug: true });
    for (const e of [cached, fresh, debug]) {
      expect(await e.render("card.html", { title: "x" })).toBe('<div class="card">x</div>\n');
    }
    writeFileSync(join(dir, "card.html"), "<p>{{ title }}</p>");
    expect(await cached.render("card.html", { title: "x" })).toBe('<div class="card">x</div>\n');
    expect(await fresh.render("card.html", { title: "x" })).toBe("<p>x</p>");
    expect(await debug.render("card.html", { title: "x" })).toBe("<p>x</p>");
    cached.env.invalidateCache();
    expect(await cached.render("card.html", { title: "x" })).toBe("<p>x</p>");
  });

  it("a template named like an Object.prototype member is an ordinary name", async () => {
    dir = mkdtempSync(join(tmpdir(), "t-web-tpl-"));
    writeFileSync(join(dir, "__proto__"), "proto file");
    const e = new NunjucksTemplateEngine({ templatePath: dir, extension: "" });
    expect(await e.render("__proto__", {})).toBe("proto file");
    expect(await e.render("__proto__", {})).toBe("proto file");
    expect((await templateErrorOf(e.render("constructor", {}))).message).toMatch(/not found/);
  });
});

/** Variables for namespace.html, as a handler's namespace would hold them. */
function nsVars(): Record<string, unknown> {
  return {
    currentUser: "ann",
    staticUrl: (p: string) => `/static/${p}?v=1`,
    xsrfFormHtml: () => '<input type="hidden" name="_xsrf" value="t">',
    request: { path: "/p", uri: "/p?q=1" },
    handler: { request: { uri: "/p?q=1" } },
    reverseUrl: () => "/ns",
    data: { a: "</script>" },
    title: XSS,
  };
}
