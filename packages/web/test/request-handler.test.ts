import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addslash, HTTPError, RedirectHandler, RequestHandler, removeslash } from "../src/index.js";
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

class Hello extends RequestHandler {
  override get() {
    this.write("Hello, world");
  }
}

class Echo extends RequestHandler {
  override get(a: string, b?: string) {
    this.write({ a, b: b ?? null, q: this.getArgument("q", "none") });
  }
}

class AsyncHandler extends RequestHandler {
  override async get() {
    await new Promise((r) => setTimeout(r, 5));
    this.write("later");
  }
}

class Thrower extends RequestHandler {
  override get() {
    throw new Error("boom");
  }
}

class Teapot extends RequestHandler {
  override get() {
    throw new HTTPError(418, "short and stout", { reason: "I'm a teapot" });
  }
}

describe("RequestHandler over real sockets", () => {
  it("answers a GET with the body, Content-Length and an access log line", async () => {
    await fx.serve([["/", Hello]]);
    const res = await fx.fetch("/");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Hello, world");
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(res.headers.get("content-length")).toBe("12");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
    await fx.waitFor(() => fx.logger.entries.some((e) => e.level === "info"));
    const line = fx.logger.entries.find((e) => e.level === "info")?.msg ?? "";
    expect(line).toMatch(/^200 GET \/ \(127\.0\.0\.1\) \d+\.\d{2}ms$/);
  });

  it("setDefaultHeaders runs before initialize and again for error pages", async () => {
    const seen: string[] = [];
    class Branded extends RequestHandler {
      override setDefaultHeaders() {
        seen.push("defaults");
        this.setHeader("X-Instance", "test-1");
      }
      override initialize() {
        seen.push("initialize");
      }
      override get() {
        if (this.getArgument("fail", "") === "1") throw new HTTPError(418);
        this.write("ok");
      }
    }
    await fx.serve([["/", Branded]]);
    const ok = await fx.fetch("/");
    expect(ok.headers.get("x-instance")).toBe("test-1");
    expect(seen.slice(0, 2)).toEqual(["defaults", "initialize"]);
    const failed = await fx.fetch("/?fail=1");
    expect(failed.status).toBe(418);
    expect(failed.headers.get("x-instance")).toBe("test-1");
    fx.logger.expect("warn", /418/);
  });

  it("passes positional groups, percent-decoded, and query arguments", async () => {
    await fx.serve([["/echo/([^/]+)(?:/([^/]+))?", Echo]]);
    const res = await fx.fetch("/echo/h%C3%A9llo%20x?q=+a+b+");
    expect(await res.json()).toEqual({ a: "héllo x", b: null, q: "a b" });
    expect(res.headers.get("content-type")).toBe("application/json; charset=UTF-8");
  });

  it("awaits async verb methods before finishing", async () => {
    await fx.serve([["/", AsyncHandler]]);
    expect(await (await fx.fetch("/")).text()).toBe("later");
  });

  it("answers 404 for unknown paths and 405 for verbs the handler lacks", async () => {
    await fx.serve([["/", Hello]]);
    const r404 = await fx.fetch("/nope");
    expect(r404.status).toBe(404);
    expect(await r404.text()).toContain("404: Not Found");
    const r405 = await fx.fetch("/", { method: "POST", body: "x" });
    expect(r405.status).toBe(405);
    await r405.text();
    expect(fx.logger.expect("warn", /^404 GET \/nope/)).toBe(1);
    expect(fx.logger.expect("warn", /^405 POST \//)).toBe(1);
  });

  it("turns an uncaught exception into a 500 page without the stack in production", async () => {
    await fx.serve([["/", Thrower]]);
    const res = await fx.fetch("/");
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain("500: Internal Server Error");
    expect(body).not.toContain("boom");
    expect(fx.logger.expect("error", /Uncaught exception GET \//)).toBe(1);
    expect(fx.logger.expect("error", /^500 GET/)).toBe(1);
  });

  it("shows the stack trace in debug mode", async () => {
    await fx.serve([["/", Thrower]], { debug: true });
    const res = await fx.fetch("/");
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain("Error: boom");
    expect(body).toContain("request-handler.test.ts");
    fx.logger.expect("error", /./);
  });

  it("uses HTTPError's status and custom reason and logs its log message", async () => {
    await fx.serve([["/", Teapot]]);
    const res = await fx.fetch("/");
    expect(res.status).toBe(418);
    expect(res.statusText).toBe("I'm a teapot");
    expect(await res.text()).toContain("418: I&#39;m a teapot");
    expect(fx.logger.expect("warn", /418 GET \/ \(127\.0\.0\.1\): short and stout/)).toBe(1);
    fx.logger.expect("warn", /^418/);
  });
});

class NoContentWithBody extends RequestHandler {
  override get() {
    this.setStatus(204);
    this.write("not allowed");
  }
}

class NoContent extends RequestHandler {
  override delete() {
    this.setStatus(204);
  }
}

class Lifecycle extends RequestHandler {
  static events: string[] = [];
  override initialize(args: Record<string, unknown>) {
    Lifecycle.events.push(`initialize:${String(args.tag)}`);
  }
  override async prepare() {
    Lifecycle.events.push("prepare");
    if (this.getArgument("stop", "") === "1") this.finish("stopped in prepare");
  }
  override get() {
    Lifecycle.events.push("get");
    this.setStatus(299);
  }
  override head() {
    Lifecycle.events.push("head");
    this.setHeader("X-Head", "1");
  }
  override onFinish() {
    Lifecycle.events.push(`onFinish:${this.getStatus()}`);
  }
}

class ClearAll extends RequestHandler {
  override get() {
    this.clearAllCookies();
  }
}

describe("RequestHandler details", () => {
  it("refuses a body with 204 (500) and sends 204 without Content-Type or body", async () => {
    await fx.serve([
      ["/bad", NoContentWithBody],
      ["/ok", NoContent],
    ]);
    const bad = await fx.fetch("/bad");
    expect(bad.status).toBe(500);
    await bad.text();
    expect(fx.logger.expect("warn", /Cannot send a body with status 204/)).toBe(1);
    fx.logger.expect("error", /^500 GET \/bad/);
    const ok = await fx.fetch("/ok", { method: "DELETE" });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("content-type")).toBeNull();
    expect(await ok.text()).toBe("");
  });

  it("runs initialize, prepare, the verb and onFinish in order; prepare may finish early", async () => {
    Lifecycle.events = [];
    await fx.serve([["/", Lifecycle, { tag: "t" }]]);
    const res = await fx.fetch("/");
    expect(res.status).toBe(299);
    expect(res.statusText).toBe("Unknown");
    await res.text();
    const head = await fx.fetch("/", { method: "HEAD" });
    expect(head.headers.get("x-head")).toBe("1");
    const early = await fx.fetch("/?stop=1");
    expect(await early.text()).toBe("stopped in prepare");
    expect(Lifecycle.events).toEqual([
      "initialize:t",
      "prepare",
      "get",
      "onFinish:299",
      "initialize:t",
      "prepare",
      "head",
      "onFinish:200",
      "initialize:t",
      "prepare",
      "onFinish:200",
    ]);
  });

  it("clearAllCookies expires every cookie the request carried", async () => {
    await fx.serve([["/", ClearAll]]);
    const res = await fx.fetch("/", { headers: { Cookie: "a=1; b=2" } });
    const names = res.headers.getSetCookie().map((c) => c.split("=")[0]);
    expect(names).toEqual(["a", "b"]);
  });

  it("rejects unsupported methods with 405 and keeps serving pipelined requests in order", async () => {
    await fx.serve([["/", Hello]]);
    const out = await rawRequest(
      fx.port,
      "PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    const first = out.indexOf("HTTP/1.1 405");
    const second = out.indexOf("HTTP/1.1 200");
    expect(first).toBe(0);
    expect(second).toBeGreaterThan(first);
    expect(out.endsWith("Hello, world")).toBe(true);
    fx.logger.expect("warn", /^405 PROPFIND/);
  });
});

class Slashless extends RequestHandler {
  override get() {
    this.write("slashless");
  }
  override post() {
    this.write("posted");
  }
}
Slashless.prototype.get = removeslash(Slashless.prototype.get);
Slashless.prototype.post = removeslash(Slashless.prototype.post);

class Slashed extends RequestHandler {
  override get() {
    this.write("slashed");
  }
}
Slashed.prototype.get = addslash(Slashed.prototype.get);

describe("removeslash and addslash (Tornado's DecoratorTest)", () => {
  it("redirects GETs to the canonical form and refuses other methods with 404", async () => {
    await fx.serve([
      ["/removeslash/*", Slashless],
      ["/addslash/?", Slashed],
    ]);
    const a = await fx.fetch("/removeslash/?foo=bar");
    expect(a.status).toBe(301);
    expect(a.headers.get("location")).toBe("/removeslash?foo=bar");
    expect(await (await fx.fetch("/removeslash")).text()).toBe("slashless");
    const p = await fx.fetch("/removeslash/", { method: "POST" });
    expect(p.status).toBe(404);
    await p.text();
    const b = await fx.fetch("/addslash?foo=bar");
    expect(b.status).toBe(301);
    expect(b.headers.get("location")).toBe("/addslash/?foo=bar");
    expect(await (await fx.fetch("/addslash/")).text()).toBe("slashed");
    fx.logger.expect("warn", /^404 POST/);
  });

  // Security review finding 8: a path that starts with `//` or `/\` must not become a Location
  // that a browser reads as another host.
  it("answers 404 instead of redirecting to //host or /\\host (open redirect)", async () => {
    await fx.serve([
      ["/go/(.*)", RedirectHandler, { url: "/{0}" }],
      ["(/.*)/", Slashless],
      ["(/[^.]*)", Slashed],
    ]);
    const get = async (path: string) => {
      const out = await rawRequest(
        fx.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      return {
        status: Number(out.slice(9, 12)),
        location: /\r\nLocation: ([^\r]*)/.exec(out)?.[1],
      };
    };
    for (const path of [
      "//evil.com/",
      "/\\evil.com/",
      "//evil.com",
      "/\\evil.com",
      "/go//evil.com",
    ]) {
      const res = await get(path);
      expect(res, path).toEqual({ status: 404, location: undefined });
    }
    // The guard leaves ordinary redirects alone.
    expect(await get("/a/b/")).toEqual({ status: 301, location: "/a/b" });
    expect(await get("/a/b")).toEqual({ status: 301, location: "/a/b/" });
    expect(await get("/go/x")).toEqual({ status: 301, location: "/x" });
    expect(fx.logger.expect("warn", /^404 GET/)).toBe(5);
  });
});
