// render() with the NunjucksTemplateEngine in a real Application over 127.0.0.1: Tornado's namespace names, XSRF, static URLs, errors.

import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  NunjucksTemplateEngine,
  RequestHandler,
  TemplateError,
  UIModule,
  xhtmlEscape,
} from "../src/index.js";
import { WebFixture } from "./helpers.js";

const fixtures = fileURLToPath(new URL("./fixtures/templates-tornado/", import.meta.url));

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

class NamespacePage extends RequestHandler {
  override getCurrentUser() {
    return "ann <admin>";
  }
  override async get() {
    await this.render("namespace.html", {
      title: "<script>alert(1)</script>",
      data: { a: "</script>" },
    });
  }
  override post() {
    this.write(`posted ${this.getArgument("x")}`);
  }
}

class Students extends RequestHandler {
  override async get() {
    await this.render("students", {
      school: this.getQueryArgument("school", ""),
      links: [["Home", "/"]],
      students: [{ name: "Ann", age: 30 }],
      motto: "<em>m</em>",
    });
  }
}

class Modules extends RequestHandler {
  override async get() {
    const html = await this.renderString("modules.html", {
      card_title: "Card",
      text: "see http://example.com",
    });
    this.write(html.replace(/\s+/g, " "));
  }
}

class Entry extends UIModule {
  override render(entry: { title: string }) {
    return `<article>${xhtmlEscape(entry.title)}</article>`;
  }
  override cssFiles() {
    return "style.css";
  }
  override embeddedJavascript() {
    return "window.entries = true;";
  }
}

class UIPage extends RequestHandler {
  override async get() {
    await this.render("ui-page.html", {
      entries: [{ title: "First <post>" }, { title: "Second" }],
    });
  }
}

class Broken extends RequestHandler {
  override async get() {
    await this.render("mismatched-end.html", { items: [] });
  }
}

function serve(routes: [string, typeof RequestHandler, Record<string, unknown>?, string?][]) {
  return fx.serve(routes, {
    templateEngine: new NunjucksTemplateEngine({ templatePath: `${fixtures}site` }),
    staticPath: `${fixtures}static`,
    xsrfCookies: true,
    uiModules: { Entry },
  });
}

describe("NunjucksTemplateEngine behind the templateEngine setting", () => {
  it("renders with Tornado's names: current_user, static_url, xsrf_form_html, reverse_url, request, handler", async () => {
    await serve([["/ns", NamespacePage, {}, "ns"]]);
    const res = await fx.fetch("/ns?q=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    const html = await res.text();
    expect(html).toContain('<p id="user">ann &lt;admin&gt;|ann &lt;admin&gt;</p>');
    const css = html.match(/href="(\/static\/style\.css\?v=[0-9a-f]+)"/g);
    expect(css).toHaveLength(2);
    expect(html).toContain('<p id="path">/ns|/ns?q=1</p>');
    expect(html).toContain('<a id="self" href="/ns">self</a>');
    expect(html).toContain('<p id="helpers">a+b%26c|{"a":"<\\/script>"}|x y</p>');
    expect(html).toContain('<p id="xss">&lt;script&gt;alert(1)&lt;/script&gt;</p>');

    // Both XSRF fields ({% module xsrf_form_html() %} and {% raw xsrfFormHtml() %}) are real.
    const tokens = [...html.matchAll(/<input type="hidden" name="_xsrf" value="([^"]+)"\/?>/g)];
    expect(tokens).toHaveLength(2);
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
    expect(cookie).toMatch(/^_xsrf=/);
    const post = await fx.fetch("/ns", {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: `_xsrf=${encodeURIComponent(tokens[1][1])}&x=1`,
    });
    expect(await post.text()).toBe("posted 1");
    const forged = await fx.fetch("/ns", {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: "_xsrf=forged&x=1",
    });
    expect(forged.status).toBe(403);
    await forged.text();
    await fx.waitFor(
      () => fx.logger.expect("warn", /^403 POST \/ns \(127\.0\.0\.1\) [\d.]+ms$/) === 1,
    );
    expect(fx.logger.expect("warn", /XSRF cookie does not match/)).toBe(1);
  });

  it("an inherited page with an include, escaping a query argument", async () => {
    await serve([["/students", Students]]);
    const html = await (await fx.fetch("/students?school=%3Cb%3E")).text();
    expect(html).toContain("<title>Students of &lt;b&gt;</title>");
    expect(html).toContain('<nav><a href="/">Home</a></nav>');
    expect(html).toContain('<li class="senior">Ann</li>');
    expect(html).toContain('<div id="raw"><em>m</em></div>');
  });

  it("the handler's built-in UI modules (xsrf_form_html as xsrfFormHtml, Template, linkify) through renderString", async () => {
    await serve([["/modules", Modules]]);
    const html = await (await fx.fetch("/modules")).text();
    expect(html).toMatch(/<form><input type="hidden" name="_xsrf" value="[^"]+"\/?><\/form>/);
    expect(html).toContain('<div id="card"><div class="card">Card</div> </div>');
    expect(html).toContain('<a href="http://example.com">http://example.com</a>');
  });

  it("the uiModules setting's modules through {% module %}: resources once, before </head> and </body>", async () => {
    await serve([["/ui", UIPage]]);
    const html = await (await fx.fetch("/ui")).text();
    expect(html).toContain("<title>Entries</title>");
    expect(html).toContain("<article>First &lt;post&gt;</article><article>Second</article>");
    expect(
      html.match(/<link rel="stylesheet" href="\/static\/style\.css\?v=[0-9a-f]+"/g),
    ).toHaveLength(1);
    expect(html.indexOf("style.css")).toBeLessThan(html.indexOf("</head>"));
    expect(html.match(/window\.entries = true;/g)).toHaveLength(1);
    expect(html.indexOf("window.entries")).toBeLessThan(html.indexOf("</body>"));
    expect(html.indexOf("window.entries")).toBeGreaterThan(html.indexOf("<article>"));
  });

  it("a template error answers 500 and logs a TemplateError that names the file and line", async () => {
    await serve([["/broken", Broken]]);
    const res = await fx.fetch("/broken");
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("mismatched");
    const logged = fx.logger.entries.find((e) => e.obj instanceof TemplateError);
    expect(logged).toBeDefined();
    expect((logged as { obj: TemplateError }).obj.message).toBe(
      '"mismatched-end.html" line 5: {% endfor %} closes the {% if %} opened on line 3 (expected {% endif %} or {% end %})',
    );
    fx.logger.expect("error", /./);
  });
});
