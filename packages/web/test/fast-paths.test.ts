// The per-request fast paths: literal routes in a Map with regex precedence kept, lazy close callbacks, quiet loggers.

import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Application, RequestHandler, URLSpec } from "../src/index.js";
import { WebFixture } from "./helpers.js";

class A extends RequestHandler {}
class B extends RequestHandler {}
class C extends RequestHandler {}

function route(app: Application, path: string, host = "example.com") {
  return app.findHandler({ hostName: host, path } as never);
}

describe("literal routes", () => {
  it("treats plain paths (with escaped dots) as literals and anything else as a regex", () => {
    expect(new URLSpec("/", A).literalPath).toBe("/");
    expect(new URLSpec(String.raw`/robots\.txt`, A).literalPath).toBe("/robots.txt");
    expect(new URLSpec("^/a/b$", A).literalPath).toBe("/a/b");
    expect(new URLSpec("/a.b", A).literalPath).toBeNull();
    expect(new URLSpec(String.raw`/user/(\d+)`, A).literalPath).toBeNull();
    expect(new URLSpec(/\/CaseLess/i, A).literalPath).toBeNull();
    expect(new URLSpec("/x|/y", A).literalPath).toBeNull();
  });

  it("keeps first-match precedence between regex and literal routes", () => {
    const app = new Application([
      ["/a.", A], // regex listed first: wins over the literal /ab below
      ["/ab", B],
      ["/lit", C],
      ["/li.", A], // listed after the literal /lit: loses for /lit, wins for /lix
      ["/ab", C], // duplicate literal: the first one wins
    ]);
    expect(route(app, "/ab").handlerClass).toBe(A);
    expect(route(app, "/lit").handlerClass).toBe(C);
    expect(route(app, "/lix").handlerClass).toBe(A);
    expect(route(app, "/nope").initArgs).toEqual({ statusCode: 404 });
  });

  it("answers a repeated path as its last literal hit, and forgets it when the rules change", () => {
    const app = new Application([
      ["/x", A],
      ["/y", B],
      [String.raw`/r(\d)`, C],
    ]);
    expect(route(app, "/x").handlerClass).toBe(A);
    expect(route(app, ["/", "x"].join("")).handlerClass).toBe(A); // same text, another string
    expect(route(app, "/r1").pathArgs).toEqual(["1"]);
    expect(route(app, "/y").handlerClass).toBe(B);
    expect(route(app, "/y").pathArgs).toEqual([]);
    // A route added in place (same rule, one more spec) is seen at once.
    app.rules[app.rules.length - 1].specs.unshift(new URLSpec("/y", C));
    expect(route(app, "/y").handlerClass).toBe(C);
    // A host rule: the path alone no longer decides.
    app.addHandlers(String.raw`.*\.example\.com`, [["/x", B]]);
    expect(route(app, "/x", "www.example.com").handlerClass).toBe(B);
    expect(route(app, "/x", "other.org").handlerClass).toBe(A);
    expect(route(app, "/x", "www.example.com").handlerClass).toBe(B);
  });

  it("recompiles when host rules are added and matches host rules first", () => {
    const app = new Application([["/x", A]]);
    expect(route(app, "/x").handlerClass).toBe(A);
    app.addHandlers(String.raw`.*\.example\.com`, [["/x", B]]);
    expect(route(app, "/x", "www.example.com").handlerClass).toBe(B);
    expect(route(app, "/x", "other.org").handlerClass).toBe(A);
  });
});

class SyncLongPoll extends RequestHandler {
  override get() {
    this.autoFinish = false; // stays open after a synchronous verb method
    this.application.settings.started = true;
  }
  override onConnectionClose() {
    this.application.settings.closed = true;
  }
}

class Hello extends RequestHandler {
  override get() {
    this.write("hi");
  }
}

describe("over real sockets", () => {
  let fx: WebFixture;
  beforeEach(() => {
    fx = new WebFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("runs onConnectionClose for a synchronous verb that leaves the response open", async () => {
    const app = await fx.serve([["/poll", SyncLongPoll]]);
    const sock = connect(fx.port, "127.0.0.1");
    sock.on("error", () => {});
    sock.write("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
    await fx.waitFor(() => app.settings.started === true);
    sock.destroy();
    await fx.waitFor(() => app.settings.closed === true);
    expect(app.settings.closed).toBe(true);
  });

  it("does not format access lines a pino-style logger would drop", async () => {
    const lines: string[] = [];
    let asked = 0;
    const logger = {
      debug() {},
      info(obj: unknown, msg?: string) {
        lines.push(msg ?? String(obj));
      },
      warn(obj: unknown, msg?: string) {
        lines.push(msg ?? String(obj));
      },
      error(obj: unknown, msg?: string) {
        lines.push(msg ?? String(obj));
      },
      isLevelEnabled(level: string) {
        asked++;
        return level !== "info";
      },
    };
    await fx.serve([["/", Hello]], { logger });
    expect(await (await fx.fetch("/")).text()).toBe("hi");
    expect((await fx.fetch("/missing")).status).toBe(404);
    await fx.waitFor(() => lines.length === 1);
    expect(asked).toBe(2);
    expect(lines[0]).toMatch(/^404 GET \/missing \(127\.0\.0\.1\) \d+\.\d\dms$/);
  });
});
