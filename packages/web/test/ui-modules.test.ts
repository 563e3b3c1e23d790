// UI modules and ui methods: modules rendered from templates, their JS/CSS once per page before </head> and </body>.

import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Application,
  isUIModuleClass,
  NunjucksTemplateEngine,
  RequestHandler,
  TemplateError,
  TemplateModule,
  UIModule,
} from "../src/index.js";
import * as parts from "./fixtures/ui-parts.js";
import { Badge, Entry } from "./fixtures/ui-parts.js";
import { WebFixture } from "./helpers.js";

const templatePath = fileURLToPath(new URL("./templates", import.meta.url));
const staticPath = fileURLToPath(new URL("./fixtures/ui-static", import.meta.url));

class Page extends RequestHandler {
  override async get() {
    await this.render("ui/page", {
      title: "modules",
      entries: [{ title: "one" }, { title: "two & three" }, { title: "<four>" }],
    });
  }
}

/** The same template through renderString: nothing is inserted (only render() does). */
class AsString extends RequestHandler {
  override async get() {
    this.write(await this.renderString("ui/page", { title: "string", entries: [{ title: "x" }] }));
  }
}

class Templated extends RequestHandler {
  override async get() {
    await this.render("ui/templated", { title: "templated" });
  }
}

class Unknown extends RequestHandler {
  override async get() {
    await this.render("ui/unknown", { title: "unknown" });
  }
}

class Fragment extends RequestHandler {
  override async get() {
    await this.render("ui/fragment");
  }
}

/** A Tornado-syntax template (`{% module Entry(e) %}`) through the nunjucks engine. */
class TornadoPage extends RequestHandler {
  override async get() {
    await this.render("ui/tornado-page.html", {
      title: "tornado",
      entries: [{ title: "one" }, { title: "<two>" }],
    });
  }
}

/** What the template namespace holds of the settings' module namespace. */
class Names extends RequestHandler {
  override get() {
    const ns = this.getTemplateNamespace();
    const modules = ns.module as object;
    this.write({
      shout: typeof ns.shout,
      answer: typeof ns.answer,
      Capitalized: typeof ns.Capitalized,
      modules: Object.fromEntries(
        ["Entry", "Badge", "Card", "Template", "shout", "answer"].map((n) => [n, n in modules]),
      ),
    });
  }
}

/** Tag hooks overridden: a CSP nonce on every script and style. */
class Nonced extends Page {
  override renderLinkedJs(urls: readonly string[]): string {
    return urls.map((u) => `<script nonce="n0" src="${u}"></script>`).join("");
  }
  override renderEmbedJs(code: readonly string[]): string {
    return `<script nonce="n0">${code.join(";")}</script>`;
  }
  override renderEmbedCss(code: readonly string[]): string {
    return `<style nonce="n0">${code.join("")}</style>`;
  }
}

const settings = {
  templatePath,
  staticPath,
  uiModules: parts,
  uiMethods: parts,
};

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("UI modules in a page", () => {
  it("renders each use, and puts each module's resources in once, in first-use order, before </head> and </body>", async () => {
    const app = await fx.serve([["/page", Page]], settings);
    const html = await (await fx.fetch("/page")).text();
    const css = app.staticUrl("entry.css");
    const js = app.staticUrl("entry.js");
    expect(css).toMatch(/^\/static\/entry\.css\?v=[0-9a-f]{32,}$/);
    expect(js).toMatch(/^\/static\/entry\.js\?v=[0-9a-f]{32,}$/);

    // Each use rendered (escaped by the module), the module used three times.
    expect(html).toContain('<div class="entry">one</div>');
    expect(html).toContain('<div class="entry">two &amp; three</div>');
    expect(html).toContain('<div class="entry">&lt;four&gt;</div>');
    expect(html).toContain('<span class="badge">new</span>');
    // Card rendered its own template, which used Badge again.
    expect(html).toContain(
      '<section class="card"><h2>card &lt;1&gt;</h2><span class="badge">in card</span></section>',
    );

    const head =
      `<link rel="stylesheet" href="${css}">` +
      `<link rel="stylesheet" href="https://cdn.example/entry.css?a=1&amp;b=&quot;&lt;x&gt;&quot;">\n` +
      "<style>\n.entry { margin: 0 }\n.card { padding: 0 }\n</style>\n" +
      '<meta name="badge" content="1">\n</head>';
    const body =
      `<script src="${js}"></script><script src="/abs/badge.js"></script>\n` +
      "<script>\nwindow.entryRuns = (window.entryRuns || 0) + 1;\n</script>\n" +
      '<div id="badge-footer"></div>\n</body>';
    expect(html).toContain(head);
    expect(html).toContain(body);
    // Once per page, whatever the number of uses; files once whichever modules name them.
    expect(count(html, "<style>")).toBe(1);
    expect(count(html, "window.entryRuns = ")).toBe(1);
    expect(count(html, `src="${js}"`)).toBe(1);
    expect(count(html, '<meta name="badge"')).toBe(1);
    expect(html.indexOf("<title>modules</title>")).toBeLessThan(html.indexOf(head));
    expect(html.trimEnd().endsWith(`${body}</html>`)).toBe(true);
  });

  it("ui methods are called with the handler first; a module namespace gives only its UI modules and lower-case functions", async () => {
    await fx.serve(
      [
        ["/page", Page],
        ["/names", Names],
      ],
      settings,
    );
    const html = await (await fx.fetch("/page")).text();
    expect(html).toContain('<p id="shout">HEY! (/page)</p>');
    expect(await (await fx.fetch("/names")).json()).toEqual({
      shout: "function",
      answer: "undefined",
      Capitalized: "undefined",
      modules: {
        Entry: true,
        Badge: true,
        Card: true,
        Template: true,
        shout: false,
        answer: false,
      },
    });
  });

  it("works the same through another engine: Tornado's {% module %} syntax on nunjucks", async () => {
    const app = await fx.serve([["/tornado", TornadoPage]], {
      ...settings,
      templateEngine: new NunjucksTemplateEngine({ templatePath }),
    });
    const html = await (await fx.fetch("/tornado")).text();
    expect(html).toContain('<div class="entry">one</div>');
    expect(html).toContain('<div class="entry">&lt;two&gt;</div>');
    expect(html).toContain('<span class="badge">tornado</span>');
    expect(html).toContain('<p id="shout">HEY! (/tornado)</p>');
    expect(html).toContain('<p id="hello">Hello, %(name)s</p>');
    expect(count(html, "<style>")).toBe(1);
    expect(count(html, `src="${app.staticUrl("entry.js")}"`)).toBe(1);
    expect(html).toContain('<meta name="badge" content="1">\n</head>');
    expect(html).toContain('<div id="badge-footer"></div>\n</body>');
  });

  it("renderString returns the template's HTML without inserting resources", async () => {
    await fx.serve([["/s", AsString]], settings);
    const html = await (await fx.fetch("/s")).text();
    expect(html).toContain('<div class="entry">x</div>');
    expect(html).not.toContain("<style>");
    expect(html).not.toContain("<script");
  });

  it("the tag hooks can be overridden (a CSP nonce)", async () => {
    await fx.serve([["/n", Nonced]], settings);
    const html = await (await fx.fetch("/n")).text();
    expect(html).toContain('<script nonce="n0" src="/static/entry.js?v=');
    expect(html).toContain('<script nonce="n0">window.entryRuns');
    expect(html).toContain('<style nonce="n0">.entry { margin: 0 }.card { padding: 0 }</style>');
    expect(html).not.toContain("<script>");
  });

  it("the built-in Template module renders a template with its own resources (once per template), and linkify and xsrfFormHtml work", async () => {
    const app = await fx.serve([["/t", Templated]], settings);
    const html = await (await fx.fetch("/t")).text();
    expect(html).toContain('<b class="tpl">a</b>');
    expect(html).toContain('<b class="tpl">b</b>');
    expect(count(html, ".tpl { margin: 0 }")).toBe(1);
    // entry.css comes from the template and from Entry: one link.
    expect(count(html, app.staticUrl("entry.css"))).toBe(1);
    expect(count(html, "<i id=tpl-body></i>")).toBe(1);
    expect(html).toContain(
      '<a href="https://example.com/x?a=1&amp;b=2">https://example.com/x?a=1&amp;b=2</a>',
    );
    expect(html).toMatch(/<form><input type="hidden" name="_xsrf" value="2\|[^"]+"\/><\/form>/);
  });
});

describe("UI module errors", () => {
  it("an unknown module name fails the render with a TemplateError naming the registered modules", async () => {
    await fx.serve([["/u", Unknown]], settings);
    const res = await fx.fetch("/u");
    expect(res.status).toBe(500);
    await res.text();
    fx.logger.expect("error", /^500 GET \/u/);
    expect(fx.logger.expect("error", /Uncaught exception GET \/u/)).toBe(1);
    const err = fx.logger.entries.find((e) => e.obj instanceof Error)?.obj as Error;
    expect(err).toBeInstanceOf(TemplateError);
    const cause = err.cause as Error;
    expect(cause).toBeInstanceOf(TemplateError);
    expect(cause.message).toBe(
      'unknown UI module "Entyr": the uiModules setting has Badge, Card, Entry, Template, linkify, xsrfFormHtml',
    );
  });

  it("a page without </head> cannot take a module's CSS: TemplateError", async () => {
    await fx.serve([["/f", Fragment]], settings);
    const res = await fx.fetch("/f");
    expect(res.status).toBe(500);
    await res.text();
    fx.logger.expect("error", /^500 GET \/f/);
    fx.logger.expect("error", /Uncaught exception GET \/f/);
    const err = fx.logger.entries.find((e) => e.obj instanceof Error)?.obj as Error;
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.message).toMatch(/"ui\/fragment" uses UI modules with JavaScript or body HTML/);
  });

  it("settings of the wrong shape are refused when the application is built", () => {
    class NotAModule {}
    expect(() => new Application([], { uiModules: { Entry, Oops: NotAModule } })).toThrow(
      /uiModules\.Oops must be a UIModule subclass, got function NotAModule/,
    );
    expect(() => new Application([], { uiModules: "Entry" as never })).toThrow(
      /uiModules must be a record of name → UIModule subclass/,
    );
    expect(() => new Application([], { uiModules: { "my-entry": Entry } })).toThrow(
      /"my-entry" is not a name a template can call/,
    );
    expect(() => new Application([], { uiMethods: { module: () => "" } })).toThrow(
      /"module" is the template namespace's UI module entry/,
    );
    expect(() => new Application([], { uiMethods: { shout: "loud" } })).toThrow(
      /uiMethods\.shout must be a function/,
    );
    expect(() => new Application([], { uiModules: [{ Entry }, [{ Badge }]] })).not.toThrow();
    expect(() => new Application([], { ui_modules: {} } as never)).toThrow(
      /"ui_modules" \(did you mean uiModules\?\)/,
    );
  });

  it("recognises UIModule subclasses by shape", () => {
    expect(isUIModuleClass(Entry)).toBe(true);
    expect(isUIModuleClass(TemplateModule)).toBe(true);
    expect(isUIModuleClass(UIModule)).toBe(true);
    expect(isUIModuleClass(class {})).toBe(false);
    expect(isUIModuleClass(parts.shout)).toBe(false);
  });
});
