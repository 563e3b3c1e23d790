// diagnostics_channel: the request start, response finish and error events, with what tracing
// tools need, published in the request's own async context.

import { AsyncLocalStorage } from "node:async_hooks";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HTTPHeaders,
  type RequestErrorMessage,
  type RequestStartMessage,
  type ResponseFinishMessage,
} from "../src/index.js";
import { ServerFixture } from "./helpers.js";

let fx: ServerFixture;
const subscriptions: [string, (message: unknown) => void][] = [];

function on(name: string, fn: (message: unknown) => void): void {
  subscribe(name, fn);
  subscriptions.push([name, fn]);
}

beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  for (const [name, fn] of subscriptions.splice(0)) unsubscribe(name, fn);
  await fx.dispose();
});

describe("diagnostics_channel", () => {
  it("publishes request start and response finish, in the request's context", async () => {
    const als = new AsyncLocalStorage<string>();
    const starts: RequestStartMessage[] = [];
    const finishes: ResponseFinishMessage[] = [];
    on("t.http.server.request.start", (m) => {
      const start = m as RequestStartMessage;
      starts.push(start);
      als.enterWith(`span for ${start.uri}`); // what a tracer does
    });
    on("t.http.server.response.finish", (m) => finishes.push(m as ResponseFinishMessage));
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders({ code: 201 }, new HTTPHeaders(), als.getStore() ?? "none");
      req.connection.finish();
    });
    const c = await fx.connect(port);
    await c.write(
      "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Trace: t1\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    const bodies = [
      (await c.readResponse()).body.toString(),
      (await c.readResponse()).body.toString(),
    ];
    expect(bodies).toEqual(["span for /a?x=1", "span for /b"]);
    expect(starts.map((s) => [s.method, s.uri, s.version, s.remoteIp])).toEqual([
      ["GET", "/a?x=1", "HTTP/1.1", "127.0.0.1"],
      ["GET", "/b", "HTTP/1.1", "127.0.0.1"],
    ]);
    expect(starts[0].rawHeaders).toEqual(["Host", "h", "X-Trace", "t1"]);
    expect(finishes.map((f) => [f.uri, f.statusCode])).toEqual([
      ["/a?x=1", 201],
      ["/b", 201],
    ]);
    expect(finishes[0].connection).toBe(starts[0].connection);
  });

  it("publishes errors: a malformed request (400) and an application exception (500)", async () => {
    const errors: RequestErrorMessage[] = [];
    on("t.http.server.request.error", (m) => errors.push(m as RequestErrorMessage));
    const { port } = await fx.serve(() => {
      throw new Error("boom");
    });
    const bad = await fx.connect(port);
    await bad.write("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    expect((await bad.readResponse()).status).toBe(400);
    const app = await fx.connect(port);
    await app.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    expect((await app.readResponse()).status).toBe(500);
    expect(errors.map((e) => [e.statusCode, (e.error as Error).message, e.remoteIp])).toEqual([
      [400, expect.stringMatching(/Content-Length/), "127.0.0.1"],
      [500, "boom", "127.0.0.1"],
    ]);
    expect(fx.problems().map((p) => p.msg)).toEqual([expect.stringMatching(/Uncaught exception/)]);
  });
});
