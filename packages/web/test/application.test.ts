import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Application,
  ErrorHandler,
  RequestHandler,
  ReverseUrlError,
  type TemplateEngine,
  TemplateError,
} from "../src/index.js";
import { rawRequest, WebFixture } from "./helpers.js";

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

const templatePath = fileURLToPath(new URL("./templates", import.meta.url));

class Page extends RequestHandler {
  override async get() {
    await this.render("page", {
      title: "<script>alert(1)</script>",
      name: "A&B",
      trusted: "<b>ok</b>",
    });
  }
}
class Missing extends RequestHandler {
  override async get() {
    await this.render("nope");
  }
}
class User extends RequestHandler {
  override get(id: string) {
    this.write(`user ${id}`);
  }
}

describe("templates", () => {
  it("renders eta templates with autoescaping, includes and the handler namespace", async () => {
    await fx.serve(
      [
        ["/page", Page],
        [String.raw`/user/(\d+)`, User, {}, "user"],
      ],
      { templatePath },
    );
    const html = await (await fx.fetch("/page")).text();
    expect(html).toContain("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    expect(html).toContain("<li>A&amp;B</li>");
    expect(html).toMatch(
      /<input type="hidden" name="_xsrf" value="2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+"\/>/,
    );
    expect(html).toContain('<a href="/user/7">u</a>');
    expect(html).toContain("<p><b>ok</b></p>");
  });

  it("answers 500 with a TemplateError logged for a missing template", async () => {
    await fx.serve([["/m", Missing]], { templatePath });
    const res = await fx.fetch("/m");
    expect(res.status).toBe(500);
    await res.text();
    expect(fx.logger.entries.some((e) => e.obj instanceof TemplateError)).toBe(true);
    fx.logger.expect("error", /./);
  });

  it("accepts another engine through the templateEngine setting", async () => {
    const engine: TemplateEngine = {
      render: (name, ns) => `${name}:${String(ns.title)}:${typeof ns.xsrfFormHtml}`,
    };
    await fx.serve([["/page", Page]], { templateEngine: engine });
    expect(await (await fx.fetch("/page")).text()).toBe("page:<script>alert(1)</script>:function");
  });
});

class Named extends RequestHandler {
  override get(kw: { year: string; slug: string }) {
    this.write({ kw, args: this.pathArgs });
  }
}
class WithArgs extends RequestHandler {
  greeting = "";
  override initialize(args: Record<string, unknown>) {
    this.greeting = String(args.greeting);
  }
  override get() {
    this.write(this.greeting);
  }
}
class Host extends RequestHandler {
  override get() {
    this.write(`host:${this.request.hostName}`);
  }
}
class Args extends RequestHandler {
  override post() {
    this.write({
      a: this.getArgument("a"),
      all: this.getArguments("a"),
      q: this.getQueryArguments("a"),
      b: this.getBodyArguments("a"),
      raw: this.getArgument("sp", null, false),
      ctl: this.getArgument("ctl", null),
      files: Object.fromEntries(
        Object.entries(this.request.files).map(([k, v]) => [
          k,
          v.map((f) => [f.filename, f.contentType, f.body.toString()]),
        ]),
      ),
    });
  }
  override get() {
    this.write(this.getArgument("needed"));
  }
}

describe("Application routing and arguments", () => {
  it("passes named groups as one object and initArgs to initialize", async () => {
    await fx.serve([
      [String.raw`/(?<year>\d{4})/(?<slug>[a-z-]+)`, Named],
      ["/hi", WithArgs, { greeting: "bonjour" }],
    ]);
    expect(await (await fx.fetch("/2024/my-post")).json()).toEqual({
      kw: { year: "2024", slug: "my-post" },
      args: [],
    });
    expect(await (await fx.fetch("/hi")).text()).toBe("bonjour");
  });

  it("reverseUrl builds paths for named routes and throws for unknown names", () => {
    const app = new Application([
      [String.raw`/user/(\d+)`, User, {}, "user"],
      [String.raw`/a/(?<x>\w+)/b`, User, {}, "named"],
    ]);
    expect(app.reverseUrl("user", 42)).toBe("/user/42");
    expect(app.reverseUrl("named", "q r")).toBe("/a/q%20r/b");
    expect(() => app.reverseUrl("nope")).toThrow(ReverseUrlError);
    expect(() => app.reverseUrl("user")).toThrow(ReverseUrlError);
  });

  it("routes by host with addHandlers, falling back to the default routes", async () => {
    const app = await fx.serve([
      ["/", Host],
      ["/shared", Host],
    ]);
    app.addHandlers(String.raw`www\.example\.com`, [["/", WithArgs, { greeting: "www" }]]);
    app.addHandlers(/.*\.example\.org/, [["/", WithArgs, { greeting: "org" }]]);
    const get = (host: string, path = "/") =>
      rawRequest(fx.port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(await get("www.example.com:80")).toMatch(/\r\n\r\nwww$/);
    expect(await get("a.example.org")).toMatch(/\r\n\r\norg$/);
    expect(await get("other.net")).toMatch(/\r\n\r\nhost:other\.net$/);
    // A host rule without a matching route falls through to the default routes (Tornado's RuleRouter).
    expect(await get("www.example.com", "/shared")).toMatch(/\r\n\r\nhost:www\.example\.com$/);
  });

  it("uses defaultHandlerClass for unmatched paths", async () => {
    await fx.serve([["/", Host]], {
      defaultHandlerClass: ErrorHandler,
      defaultHandlerArgs: { statusCode: 410 },
    });
    const res = await fx.fetch("/gone");
    expect(res.status).toBe(410);
    await res.text();
    fx.logger.expect("warn", /^410/);
  });

  it("decodes query, urlencoded and multipart arguments, stripping and cleaning values", async () => {
    await fx.serve([["/args", Args]]);
    const form = new FormData();
    form.append("a", "from-body");
    form.append("f", new Blob(["file content"], { type: "text/plain" }), "a.txt");
    const res = await fx.fetch("/args?a=q1&a=%20q2%20&sp=%20keep%20&ctl=a%01b", {
      method: "POST",
      body: form,
    });
    expect(await res.json()).toEqual({
      a: "from-body",
      all: ["q1", "q2", "from-body"],
      q: ["q1", "q2"],
      b: ["from-body"],
      raw: " keep ",
      ctl: "a b",
      files: { f: [["a.txt", "text/plain", "file content"]] },
    });
    const url = await fx.fetch("/args", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "a=%C3%A9t%C3%A9&a=2",
    });
    expect((await url.json()).all).toEqual(["été", "2"]);
  });

  it("answers 400 for a missing required argument and for a malformed multipart body", async () => {
    await fx.serve([["/args", Args]]);
    const a = await fx.fetch("/args");
    expect(a.status).toBe(400);
    await a.text();
    expect(fx.logger.expect("warn", /Missing argument needed/)).toBe(1);
    const b = await fx.fetch("/args", {
      method: "POST",
      headers: { "Content-Type": "multipart/form-data; boundary=xyz" },
      body: "garbage",
    });
    expect(b.status).toBe(400);
    await b.text();
    expect(fx.logger.expect("warn", /Invalid body/)).toBe(1);
    fx.logger.expect("warn", /^400/);
  });

  it("calls logFunction instead of the default access line", async () => {
    const seen: string[] = [];
    await fx.serve([["/", Host]], {
      logFunction: (h) =>
        seen.push(`${h.getStatus()} ${h.request.uri} ${h.request.requestTime() >= 0}`),
    });
    await (await fx.fetch("/?x")).text();
    await fx.waitFor(() => seen.length === 1);
    expect(seen).toEqual(["200 /?x true"]);
    expect(fx.logger.entries.filter((e) => e.level === "info")).toEqual([]);
  });

  it("validates its arguments", () => {
    expect(() => new Application([["/x"] as never])).toThrow(TypeError);
    expect(() => new Application([], null as never)).toThrow(TypeError);
    expect(() => new Application([], { staticPath: 5 as never })).toThrow(TypeError);
  });
});

describe("behind a proxy", () => {
  it("logs the client address from X-Real-IP when the server trusts xheaders", async () => {
    await fx.serve([["/", Host]], {}, { xheaders: true });
    await (await fx.fetch("/", { headers: { "X-Real-IP": "203.0.113.9" } })).text();
    await fx.waitFor(() => fx.logger.entries.some((e) => e.level === "info"));
    expect(fx.logger.entries.find((e) => e.level === "info")?.msg).toMatch(
      /^200 GET \/ \(203\.0\.113\.9\) /,
    );
  });
});
