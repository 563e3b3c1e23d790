// tornado.routing on real servers: Tornado's routing_test cases, nesting, defaultHost, reversing.

import { request as httpRequest } from "node:http";
import {
  HTTPHeaders,
  type HTTPMessageDelegate,
  type HTTPServerConnectionDelegate,
  HTTPServerRequest,
} from "@t/httpserver";
import { CaptureLogger, LoopFixture, startApp, type TestApp } from "@t/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AnyMatches,
  Application,
  DefaultHostMatches,
  HostMatches,
  HTTPError,
  Matcher,
  mountNodeHandler,
  PathMatches,
  RequestHandler,
  ReverseUrlError,
  ReversibleRouter,
  ReversibleRuleRouter,
  Router,
  Rule,
  RuleRouter,
  streamRequestBody,
} from "../src/index.js";

let fixture: LoopFixture;
let logger: CaptureLogger;
let served: TestApp | null;

beforeEach(() => {
  logger = new CaptureLogger();
  fixture = new LoopFixture({ logger });
  served = null;
});
afterEach(async () => {
  const bad = logger.unexpected();
  await served?.close();
  await fixture.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

async function serve(target: Parameters<typeof startApp>[0]): Promise<TestApp> {
  served = await startApp(target, { loop: fixture.loop, serverOptions: { logger } });
  return served;
}

interface Reply {
  status: number;
  body: string;
}

async function fetchText(path: string, init: RequestInit = {}): Promise<Reply> {
  const r = await (served as TestApp).fetch(path, init);
  return { status: r.status, body: await r.text() };
}

/** A GET with headers fetch() will not send (Host), over node:http. */
function get(path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: (served as TestApp).port,
        path,
        headers,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Writes "OK" on a bare HTTP connection when the request is read. */
class OkDelegate implements HTTPMessageDelegate {
  constructor(private readonly connection: HTTPServerRequest["connection"]) {}
  headersReceived(): void {}
  dataReceived(): void {}
  finish(): void {
    void this.connection.writeHeaders(
      { code: 200, reason: "OK" },
      new HTTPHeaders({ "Content-Length": "2" }),
      Buffer.from("OK"),
    );
    this.connection.finish();
  }
  onConnectionClose(): void {}
}

function namedHandler(handlerName: string) {
  return class extends RequestHandler {
    override get() {
      const appName = (this.settings.custom as { appName?: string } | undefined)?.appName;
      if (appName !== undefined) this.write(`${appName}: `);
      this.finish(`${handlerName}: ${this.reverseUrl(handlerName)}`);
    }
  };
}
const FirstHandler = namedHandler("first_handler");
const SecondHandler = namedHandler("second_handler");

/** Tornado's CustomRouter: a ReversibleRouter over a path → (app, handler) map. */
class CustomRouter extends ReversibleRouter {
  readonly routes = new Map<string, [Application, typeof RequestHandler]>();
  addRoutes(routes: Record<string, [Application, typeof RequestHandler]>): void {
    for (const [k, v] of Object.entries(routes)) this.routes.set(k, v);
  }
  override findHandler(request: HTTPServerRequest): HTTPMessageDelegate | null {
    const route = this.routes.get(request.path);
    if (route === undefined) return null;
    return route[0].getHandlerDelegate(request, route[1]);
  }
  override reverseUrl(name: string): string | null {
    const path = `/${name}`;
    return this.routes.has(path) ? path : null;
  }
}

describe("Router (Tornado's routing_test)", () => {
  it("a Router subclass serves every request through the delegate findHandler returns", async () => {
    class BasicRouter extends Router {
      override findHandler(request: HTTPServerRequest): HTTPMessageDelegate {
        return new OkDelegate(request.connection);
      }
    }
    await serve(new BasicRouter());
    expect(await fetchText("/any_request")).toEqual({ status: 200, body: "OK" });
  });

  it("routes by method to handlers run in an Application (getHandlerDelegate with path args)", async () => {
    const resources = new Map<string, string>();
    class GetResource extends RequestHandler {
      override get(path: string) {
        const r = resources.get(path);
        if (r === undefined) throw new HTTPError(404);
        this.finish(r);
      }
    }
    class PostResource extends RequestHandler {
      override post(path: string) {
        resources.set(path, this.request.body.toString());
      }
    }
    class HTTPMethodRouter extends Router {
      constructor(private readonly app: Application) {
        super();
      }
      override findHandler(request: HTTPServerRequest): HTTPMessageDelegate {
        const handler = request.method === "GET" ? GetResource : PostResource;
        return this.app.getHandlerDelegate(request, handler, {}, [request.path]);
      }
    }
    await serve(new HTTPMethodRouter(new Application([], { logger })));
    expect((await fetchText("/post_resource", { method: "POST", body: "data" })).status).toBe(200);
    expect((await fetchText("/get_resource")).status).toBe(404);
    expect(await fetchText("/post_resource")).toEqual({ status: 200, body: "data" });
    logger.expect("warn", /404 GET \/get_resource/);
  });

  it("a custom ReversibleRouter hands requests to several Applications, each with its settings", async () => {
    const router = new CustomRouter();
    class CustomApplication extends Application {
      override reverseUrl(name: string): string {
        return router.reverseUrl(name) ?? "";
      }
    }
    const app1 = new CustomApplication([], { logger, custom: { appName: "app1" } });
    const app2 = new CustomApplication([], { logger, custom: { appName: "app2" } });
    router.addRoutes({
      "/first_handler": [app1, FirstHandler],
      "/second_handler": [app2, SecondHandler],
      "/first_handler_second_app": [app2, FirstHandler],
    });
    await serve(router);
    expect((await fetchText("/first_handler")).body).toBe("app1: first_handler: /first_handler");
    expect((await fetchText("/second_handler")).body).toBe("app2: second_handler: /second_handler");
    expect((await fetchText("/first_handler_second_app")).body).toBe(
      "app2: first_handler: /first_handler",
    );
    // Nothing found: the router's bare 404.
    expect(await fetchText("/nowhere")).toEqual({ status: 404, body: "" });
  });
});

describe("RuleRouter", () => {
  /** Tornado's RuleRouterTest, with the rules on a ReversibleRuleRouter. */
  function ruleRouterTestApp(): ReversibleRuleRouter {
    // As in Tornado, where the app's reverse_url searches the rules it was given.
    class RouterApplication extends Application {
      override reverseUrl(name: string): string {
        return router.reverseUrl(name) ?? "";
      }
    }
    const app = new RouterApplication([], { logger });
    const custom = new CustomRouter();
    custom.addRoutes({ "/nested_handler": [app, namedHandler("nested_handler")] });
    class ConnectionDelegate implements HTTPServerConnectionDelegate<unknown, never> {
      startRequest(_s: unknown, requestConn: never): HTTPMessageDelegate {
        return new OkDelegate(requestConn);
      }
    }
    const requestCallable = (request: HTTPServerRequest) => {
      void request.connection.writeHeaders(
        { code: 200, reason: "OK" },
        new HTTPHeaders({ "Content-Length": "2" }),
      );
      void request.connection.write(Buffer.from("OK"));
      request.connection.finish();
    };
    class Reverser extends RequestHandler {
      override get() {
        this.finish(String(router.reverseUrl(this.getArgument("name") as string)));
      }
    }
    const router: ReversibleRuleRouter = new ReversibleRuleRouter(
      [
        [
          new HostMatches("www.example.com"),
          [[new PathMatches("/first_handler"), namedPath("second_handler"), {}, "second_handler"]],
        ],
        new Rule(new PathMatches("/.*handler"), custom),
        new Rule(
          new PathMatches("/first_handler"),
          namedPath("first_handler"),
          {},
          "first_handler",
        ),
        new Rule(new PathMatches("/request_callable"), requestCallable),
        ["/connection_delegate", new ConnectionDelegate()],
        ["/reverse", Reverser],
      ],
      { application: app },
    );
    return router;
  }

  /** Writes "<name>: <path>" (the router, not the Application, holds these names). */
  function namedPath(name: string) {
    return class extends RequestHandler {
      override get() {
        this.finish(`${name}: ${this.request.path}`);
      }
    };
  }

  it("tries rules in order: host, nested router, handler class, callable, connection delegate", async () => {
    await serve(ruleRouterTestApp());
    expect((await fetchText("/first_handler")).body).toBe("first_handler: /first_handler");
    expect((await get("/first_handler", { Host: "www.example.com" })).body).toBe(
      "second_handler: /first_handler",
    );
    expect((await fetchText("/nested_handler")).body).toBe("nested_handler: /nested_handler");
    // The nested router matches the path but has no route: the next rules don't match either.
    expect((await fetchText("/nested_not_found_handler")).status).toBe(404);
    expect(await fetchText("/connection_delegate")).toEqual({ status: 200, body: "OK" });
    expect(await fetchText("/request_callable")).toEqual({ status: 200, body: "OK" });
    expect((await fetchText("/404")).status).toBe(404);
  });

  it("reverses its own names, names in nested rule lists and names of nested routers", async () => {
    const router = ruleRouterTestApp();
    expect(router.reverseUrl("first_handler")).toBe("/first_handler");
    expect(router.reverseUrl("nested_handler")).toBe("/nested_handler");
    expect(router.reverseUrl("nope")).toBeNull();
    await serve(router);
    expect((await fetchText("/reverse?name=first_handler")).body).toBe("/first_handler");
    // second_handler lives in the list under HostMatches: a nested ReversibleRuleRouter.
    expect((await fetchText("/reverse?name=second_handler")).body).toBe("/first_handler");
  });

  it("nests Applications, each routing the full path with its own routes and 404 (Tornado's WSGIContainerTestCase)", async () => {
    class Handler extends RequestHandler {
      override get() {
        this.finish(this.reverseUrl("tornado"));
      }
    }
    const inner = new Application([["/tornado/test", Handler, {}, "tornado"]], { logger });
    const node = mountNodeHandler((_req, res) => {
      res.end("NODE");
    });
    const router = new ReversibleRuleRouter(
      [
        [new PathMatches("/tornado.*"), inner],
        [new PathMatches("/node"), node],
      ],
      { application: new Application([], { logger }) },
    );
    await serve(router);
    expect(await fetchText("/tornado/test")).toEqual({ status: 200, body: "/tornado/test" });
    expect(await fetchText("/node")).toEqual({ status: 200, body: "NODE" });
    // Inside the nested Application: its default handler (ErrorHandler 404 page).
    const missing = await fetchText("/tornado/missing");
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("404: Not Found");
    // No rule at all: the router's bare 404.
    expect(await fetchText("/404")).toEqual({ status: 404, body: "" });
    expect(router.reverseUrl("tornado")).toBe("/tornado/test");
    logger.expect("warn", /404 GET \/tornado\/missing/);
  });

  it("gives a handler class target its initArgs and positional or named path arguments", async () => {
    class Echo extends RequestHandler {
      greeting = "";
      override initialize(initArgs: Record<string, unknown>) {
        this.greeting = String(initArgs.greeting);
      }
      override get(...args: unknown[]) {
        this.finish({ greeting: this.greeting, args });
      }
    }
    await serve(
      new RuleRouter([
        [String.raw`/pos/(\d+)/([^/]+)`, Echo, { greeting: "hi" }],
        [new PathMatches(String.raw`/named/(?<id>\d+)`), Echo, { greeting: "yo" }],
      ]),
    );
    expect(JSON.parse((await fetchText("/pos/7/h%C3%A9")).body)).toEqual({
      greeting: "hi",
      args: ["7", "hé"],
    });
    expect(JSON.parse((await fetchText("/named/42")).body)).toEqual({
      greeting: "yo",
      args: [{ id: "42" }],
    });
  });

  it("streams a request body into a handler class target chunk by chunk", async () => {
    class Upload extends RequestHandler {
      chunks = 0;
      bytes = 0;
      override dataReceived(chunk: Buffer) {
        this.chunks++;
        this.bytes += chunk.length;
      }
      override put() {
        this.finish({ bytes: this.bytes, streamed: this.chunks > 0 });
      }
    }
    streamRequestBody(Upload);
    await serve(new RuleRouter([["/upload", Upload]]));
    const body = Buffer.alloc(300_000, 0x61);
    const r = await fetchText("/upload", { method: "PUT", body });
    expect(JSON.parse(r.body)).toEqual({ bytes: 300_000, streamed: true });
  });

  it("a callable target gets the whole body; one that throws is logged and answered 500", async () => {
    const echo = (request: HTTPServerRequest) => {
      const body = request.body;
      void request.connection.writeHeaders(
        { code: 200, reason: "OK" },
        new HTTPHeaders({ "Content-Length": String(body.length) }),
        body,
      );
      request.connection.finish();
    };
    const broken = () => {
      throw new Error("callback broke");
    };
    const rejects = async () => {
      throw new Error("callback rejected");
    };
    await serve(
      new RuleRouter([
        ["/echo", echo],
        ["/broken", broken],
        ["/rejects", rejects],
      ]),
    );
    expect(await fetchText("/echo", { method: "POST", body: "x".repeat(70_000) })).toEqual({
      status: 200,
      body: "x".repeat(70_000),
    });
    expect((await fetchText("/broken")).status).toBe(500);
    expect((await fetchText("/rejects")).status).toBe(500);
    expect(logger.expect("error", /Uncaught exception in a request callback GET \/broken/)).toBe(1);
    expect(logger.expect("error", /Uncaught exception in a request callback GET \/rejects/)).toBe(
      1,
    );
  });

  it("a rule list becomes a nested router; when it finds nothing the next rule is tried", async () => {
    const Name = (n: string) =>
      class extends RequestHandler {
        override get() {
          this.finish(n);
        }
      };
    await serve(
      new RuleRouter([
        [new HostMatches(String.raw`api\.example\.com`), [["/a", Name("api-a")]]],
        [
          new AnyMatches(),
          [
            ["/a", Name("any-a")],
            ["/b", Name("any-b")],
          ],
        ],
      ]),
    );
    expect((await get("/a", { Host: "API.example.com:8080" })).body).toBe("api-a");
    expect((await get("/b", { Host: "api.example.com" })).body).toBe("any-b");
    expect((await get("/a", { Host: "www.example.com" })).body).toBe("any-a");
  });

  it("a Matcher of your own decides with anything in the request", async () => {
    class MethodMatches extends Matcher {
      constructor(private readonly method: string) {
        super();
      }
      override match(request: HTTPServerRequest) {
        return request.method === this.method ? {} : null;
      }
    }
    class Ok extends RequestHandler {
      override delete() {
        this.finish("deleted");
      }
    }
    await serve(new RuleRouter([[new MethodMatches("DELETE"), Ok]]));
    expect(await fetchText("/x", { method: "DELETE" })).toEqual({ status: 200, body: "deleted" });
    expect((await fetchText("/x")).status).toBe(404);
  });

  it("warns when a name is used twice, the later rule winning", () => {
    const a = class extends RequestHandler {};
    const router = new ReversibleRuleRouter([
      ["/one", a, {}, "n"],
      ["/two", a, {}, "n"],
    ]);
    expect(router.reverseUrl("n")).toBe("/two");
    expect(logger.expect("warn", /Multiple handlers named n; replacing previous value/)).toBe(1);
  });

  it("PathMatches reverses simple patterns and refuses complex ones", () => {
    expect(new PathMatches(String.raw`/user/(\d+)/(\w+)`).reverse(5, "a b")).toBe("/user/5/a%20b");
    expect(new PathMatches("/plain").reverse()).toBe("/plain");
    expect(() => new PathMatches(String.raw`/(?:a|b)/(\d+)`).reverse("1")).toThrow(ReverseUrlError);
    expect(new HostMatches("example.com").reverse()).toBeNull();
    const r = new Rule(new PathMatches(String.raw`/p/(\d+)`), class extends RequestHandler {});
    expect(r.reverse(3)).toBe("/p/3");
  });

  it("refuses bad rules and options with a TypeError saying what was expected", () => {
    const H = class extends RequestHandler {};
    expect(() => new RuleRouter([["/x"] as never])).toThrow(
      /\[matcher, target, initArgs\?, name\?\]/,
    );
    expect(() => new RuleRouter([["/x", 42 as never]])).toThrow(/target must be a Router/);
    expect(() => new Rule({} as never, H)).toThrow(/matcher must be a Matcher/);
    expect(() => new Rule(new AnyMatches(), H, [] as never)).toThrow(/initArgs must be an object/);
    expect(() => new RuleRouter([], { application: {} as never })).toThrow(TypeError);
    expect(() => new PathMatches(5 as never)).toThrow(TypeError);
    expect(() => new HostMatches(null as never)).toThrow(TypeError);
    const app = new Application([], { logger });
    expect(() => app.getHandlerDelegate({} as never, (() => {}) as never)).toThrow(
      /RequestHandler subclass/,
    );
  });
});

describe("defaultHost (Tornado's DefaultHostMatchingTest)", () => {
  class Reply extends RequestHandler {
    reply = "";
    override initialize(initArgs: Record<string, unknown>) {
      this.reply = String(initArgs.reply);
    }
    override get() {
      this.finish(this.reply);
    }
  }

  it("routes of host rules matching defaultHost answer any host, unless X-Real-Ip is present", async () => {
    const app = new Application([], { logger, defaultHost: "www.example.com" });
    app.addHandlers("www.example.com", [["/foo", Reply, { reply: "[0]" }]]);
    app.addHandlers(String.raw`www\.example\.com`, [["/bar", Reply, { reply: "[1]" }]]);
    app.addHandlers("www.test.com", [["/baz", Reply, { reply: "[2]" }]]);
    await serve(app);
    expect(await fetchText("/foo")).toEqual({ status: 200, body: "[0]" });
    expect(await fetchText("/bar")).toEqual({ status: 200, body: "[1]" });
    expect((await fetchText("/baz")).status).toBe(404);
    expect((await get("/foo", { "X-Real-Ip": "127.0.0.1" })).status).toBe(404);
    expect((await get("/baz", { Host: "www.test.com" })).body).toBe("[2]");
    const direct = new HTTPServerRequest({ uri: "/foo", headers: new HTTPHeaders({ Host: "x" }) });
    expect(app.findHandler(direct).handlerClass).toBe(Reply);
    logger.expect("warn", /404 GET \/(baz|foo)/);
  });

  it("constructor routes come first; without defaultHost nothing changes", async () => {
    const app = new Application([["/foo", Reply, { reply: "main" }]], {
      logger,
      defaultHost: "a.example",
    });
    app.addHandlers(String.raw`a\.example`, [
      ["/foo", Reply, { reply: "host" }],
      ["/only", Reply, { reply: "only" }],
    ]);
    const plain = new Application([], { logger });
    plain.addHandlers(String.raw`a\.example`, [["/only", Reply, { reply: "only" }]]);
    await serve(
      new RuleRouter([
        ["/plain/.*", plain],
        [new AnyMatches(), app],
      ]),
    );
    expect((await fetchText("/foo")).body).toBe("main");
    expect((await get("/foo", { Host: "a.example" })).body).toBe("host");
    expect((await fetchText("/only")).body).toBe("only");
    expect((await fetchText("/plain/x")).status).toBe(404);
    logger.expect("warn", /404 GET \/plain\/x/);
  });

  it("DefaultHostMatches matches when the application's defaultHost matches its pattern", () => {
    const m = new DefaultHostMatches(
      { settings: { defaultHost: "www.example.com" } },
      String.raw`www\..*`,
    );
    const req = (headers: Record<string, string>) =>
      ({ headers: new HTTPHeaders(headers) }) as unknown as HTTPServerRequest;
    expect(m.match(req({}))).toEqual({});
    expect(m.match(req({ "X-Real-Ip": "10.0.0.1" }))).toBeNull();
    expect(new DefaultHostMatches({ settings: {} }, ".*").match(req({}))).toBeNull();
    expect(() => new Application([], { defaultHost: 5 as never })).toThrow(/defaultHost/);
  });
});
