// Structured access logs through a real pino logger, layer names, request ids (header, log,
// async context), and the default logger printing the access line alone.

import { Writable } from "node:stream";
import { createDefaultLogger } from "@t/ioloop";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentRequestId, RequestHandler } from "../src/index.js";
import { WebFixture } from "./helpers.js";

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A real pino logger writing JSON lines into an array. */
function pinoLines(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l !== "") lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

class Hello extends RequestHandler {
  get() {
    this.write("hello world");
  }
}

class Slow extends RequestHandler {
  async get() {
    const before = currentRequestId();
    await new Promise((r) =>
      fx.loop.callLater(1 + (this.getArgument("n", "0") === "1" ? 3 : 0), r),
    );
    await Promise.resolve();
    this.write(`${before} ${currentRequestId()} ${this.requestId}`);
  }
}

class Fails extends RequestHandler {
  get() {
    throw new Error("broken on purpose");
  }
}

describe("structured access log", () => {
  it("records the fields of each request through pino, under the layer's name", async () => {
    const { logger, lines } = pinoLines();
    await fx.serve([["/hello", Hello]], { logger, requestId: true });
    const res = await fx.fetch("/hello?x=1");
    expect(await res.text()).toBe("hello world");
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await fx.waitFor(() => lines.some((l) => l.status === 200));
    const entry = lines.find((l) => l.status === 200) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 30,
      name: "@t/web",
      method: "GET",
      path: "/hello",
      status: 200,
      remoteIp: "127.0.0.1",
      bytes: 11,
      requestId: id,
    });
    expect(entry.msg).toMatch(/^200 GET \/hello\?x=1 \(127\.0\.0\.1\) \d+\.\d\dms$/);
    expect(typeof entry.durationMs).toBe("number");
    expect(entry.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it("logs a failing request at error level with the stack, then its 500 at error level", async () => {
    const { logger, lines } = pinoLines();
    await fx.serve([["/fails", Fails]], { logger, requestId: true });
    const res = await fx.fetch("/fails");
    expect(res.status).toBe(500);
    const id = res.headers.get("x-request-id"); // the error page carries it too
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await fx.waitFor(() => lines.some((l) => l.status === 500));
    const errorLine = lines.find(
      (l) => (l.err as { message?: string })?.message === "broken on purpose",
    );
    expect(errorLine).toMatchObject({ level: 50, name: "@t/web" });
    expect(lines.find((l) => l.status === 500)).toMatchObject({ level: 50, requestId: id });
  });

  it("the default logger prints Tornado's line alone, under @t/web", async () => {
    const out: string[] = [];
    const logger = createDefaultLogger("app", { write: (l) => out.push(l) });
    await fx.serve([["/hello", Hello]], { logger });
    await (await fx.fetch("/hello")).text();
    await fx.waitFor(() => out.length > 0);
    expect(out[0]).toMatch(
      /^\[I \d{6} \d\d:\d\d:\d\d @t\/web\] 200 GET \/hello \(127\.0\.0\.1\) \d+\.\d\dms$/,
    );
  });
});

describe("request ids", () => {
  it("are made per request, sent back, and current in the request's async context", async () => {
    await fx.serve([["/slow", Slow]], { logger: fx.logger, requestId: true });
    const responses = await Promise.all([0, 1, 2, 3].map((n) => fx.fetch(`/slow?n=${n % 2}`)));
    const ids = new Set<string>();
    for (const res of responses) {
      const id = res.headers.get("x-request-id") as string;
      ids.add(id);
      // Before the await, after it, and on the handler: the same id, this request's.
      expect(await res.text()).toBe(`${id} ${id} ${id}`);
    }
    expect(ids.size).toBe(4);
  });

  it("take a trusted incoming id when plausible, and never an untrusted one", async () => {
    await fx.serve([["/slow", Slow]], {
      logger: fx.logger,
      requestId: { header: "X-Trace-Id", trustIncoming: true },
    });
    const kept = await fx.fetch("/slow", { headers: { "X-Trace-Id": "edge-42:a.b_c" } });
    expect(kept.headers.get("x-trace-id")).toBe("edge-42:a.b_c");
    expect(await kept.text()).toBe("edge-42:a.b_c edge-42:a.b_c edge-42:a.b_c");
    for (const bad of ["two words", "x".repeat(129), "<script>"]) {
      const res = await fx.fetch("/slow", { headers: { "X-Trace-Id": bad } });
      expect(res.headers.get("x-trace-id")).toMatch(/^[0-9a-f-]{36}$/);
      await res.text();
    }
  });

  it("ignore the client's id unless trusted", async () => {
    let n = 0;
    await fx.serve([["/slow", Slow]], {
      logger: fx.logger,
      requestId: { generate: () => `gen-${++n}` },
    });
    const res = await fx.fetch("/slow", { headers: { "X-Request-Id": "client-chosen" } });
    expect(res.headers.get("x-request-id")).toBe("gen-1");
    expect(await res.text()).toBe("gen-1 gen-1 gen-1");
  });

  it("are absent when the setting is off", async () => {
    await fx.serve([["/slow", Slow]], { logger: fx.logger });
    const res = await fx.fetch("/slow");
    expect(res.headers.get("x-request-id")).toBeNull();
    expect(await res.text()).toBe("undefined undefined null");
  });

  it("refuse a bad setting with a TypeError naming it", async () => {
    const { Application } = await import("../src/index.js");
    expect(() => new Application([], { requestId: "yes" as never })).toThrow(/requestId must be/);
    expect(() => new Application([], { requestId: { header: "bad header" } })).toThrow(
      /requestId.header/,
    );
  });
});
