// A RequestHandler unit-tested against a fake HandlerHost: no Application, no routes.

import { HTTPHeaders, HTTPServerRequest } from "@t/httpserver";
import { LoopFixture, startApp, type TestApp } from "@t/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ApplicationSettings,
  type HandlerHost,
  type LoggedHandler,
  RequestHandler,
  type TemplateEngine,
} from "../src/index.js";
import { CaptureLogger } from "./helpers.js";

/** A host that records what the handler asked of it. */
class FakeHost implements HandlerHost {
  readonly settings: ApplicationSettings;
  readonly logger = new CaptureLogger();
  serveTraceback = false;
  readonly logged: LoggedHandler[] = [];
  readonly rendered: string[] = [];

  constructor(settings: ApplicationSettings = {}) {
    this.settings = settings;
  }

  templateEngine(): TemplateEngine {
    return {
      render: async (name: string, namespace: Record<string, unknown>) => {
        this.rendered.push(name);
        return `<p>${name}: ${String(namespace.who)}</p>`;
      },
    };
  }

  reverseUrl(name: string, ...args: (string | number)[]): string {
    return `/${name}/${args.join("/")}`;
  }

  staticUrl(path: string, includeVersion = true): string {
    return `/assets/${path}${includeVersion ? "?v=1" : ""}`;
  }

  logRequest(handler: LoggedHandler): void {
    this.logged.push(handler);
  }
}

class Greeting extends RequestHandler {
  override get(): void {
    const who = this.getArgument("who", "world");
    const greeting = String(this.settings.custom?.greeting);
    this.setHeader("X-Links", `${this.reverseUrl("user", 7)} ${this.staticUrl("a.css")}`);
    this.write(`${greeting}, ${who}`);
  }
}

class Rendered extends RequestHandler {
  override async get(): Promise<void> {
    await this.render("card", { who: this.getArgument("who") });
  }
}

let fixture: LoopFixture | null = null;
let served: TestApp | null = null;
afterEach(async () => {
  await served?.close();
  served = null;
  await fixture?.dispose();
  fixture = null;
});

describe("HandlerHost: a handler tested without an Application", () => {
  it("runs against a fake host and an HTTPServerRequest built by hand, no socket at all", async () => {
    const host = new FakeHost({ custom: { greeting: "Hi" } });
    const request = new HTTPServerRequest({
      method: "GET",
      uri: "/greet?who=ann",
      headers: new HTTPHeaders({ Host: "example.test" }),
    });
    const handler = new Greeting(host, request);
    handler.get();
    await handler.finish();

    expect(handler.finished).toBe(true);
    expect(handler.getStatus()).toBe(200);
    expect(handler.headers.get("x-links")).toBe("/user/7 /assets/a.css?v=1");
    expect(handler.headers.get("Content-Length")).toBe(String("Hi, ann".length));
    expect(handler.headers.get("Etag")).toMatch(/^"[0-9a-f]{40}"$/);
    // The host saw the finished request once, as its access log would.
    expect(host.logged).toEqual([handler]);
    expect(host.logged[0].requestSummary()).toBe("GET /greet?who=ann ()");
  });

  it("serves through a real connection with the host's settings, URLs, templates and log", async () => {
    const host = new FakeHost({ custom: { greeting: "Hello" } });
    fixture = new LoopFixture();
    served = await startApp(
      (request: HTTPServerRequest) => {
        if (request.path === "/card") {
          void new Rendered(host, request).get(); // render() finishes
          return;
        }
        const handler = new Greeting(host, request);
        handler.get();
        void handler.finish();
      },
      { loop: fixture.loop, serverOptions: { logger: host.logger } },
    );

    const plain = await served.fetch("/?who=bob");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("x-links")).toBe("/user/7 /assets/a.css?v=1");
    expect(await plain.text()).toBe("Hello, bob");

    const card = await served.fetch("/card?who=eve");
    expect(await card.text()).toBe("<p>card: eve</p>");
    expect(host.rendered).toEqual(["card"]);

    expect(host.logged.map((h) => `${h.getStatus()} ${h.request.uri}`)).toEqual([
      "200 /?who=bob",
      "200 /card?who=eve",
    ]);
    expect(host.logger.unexpected()).toEqual([]);
  });
});
