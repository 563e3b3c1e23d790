// A real OpenTelemetry trace through @t: a server span per request from the httpserver's
// diagnostics channels, and spans made inside a handler after it awaited the loop's timer, an
// executor task and a downstream fetch (traceparent propagated) all land in one trace with the
// right parents. No part of OpenTelemetry is mocked: the SDK's in-memory exporter collects.

import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { context, ROOT_CONTEXT, type Span, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { RequestStartMessage, ResponseFinishMessage } from "@t/httpserver";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RequestHandler } from "../src/index.js";
import { WebFixture } from "./helpers.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = provider.getTracer("t-tracing-test");

/** The server spans of requests in flight, by their exchange. */
const serverSpans = new WeakMap<object, Span>();

/** What an instrumentation of @t/httpserver does: a SERVER span per request, made current. */
function onRequestStart(message: unknown): void {
  const m = message as RequestStartMessage;
  let parent = ROOT_CONTEXT;
  const traceparent = headerOf(m.rawHeaders, "traceparent");
  const match = traceparent?.match(/^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/);
  if (match) {
    parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: match[1] as string,
      spanId: match[2] as string,
      traceFlags: match[3] === "1" ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
    });
  }
  const span = tracer.startSpan(
    `${m.method} ${m.uri}`,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": m.method } },
    parent,
  );
  serverSpans.set(m.connection, span);
  // Published inside the request's own async context: attaching here lasts for this request.
  contextManager.attach(trace.setSpan(parent, span));
}

function onResponseFinish(message: unknown): void {
  const m = message as ResponseFinishMessage;
  const span = serverSpans.get(m.connection);
  span?.setAttribute("http.response.status_code", m.statusCode);
  span?.end();
}

function headerOf(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

beforeAll(() => {
  context.setGlobalContextManager(contextManager);
  subscribe("t.http.server.request.start", onRequestStart);
  subscribe("t.http.server.response.finish", onResponseFinish);
});
afterAll(() => {
  unsubscribe("t.http.server.request.start", onRequestStart);
  unsubscribe("t.http.server.response.finish", onResponseFinish);
  context.disable();
});

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
  exporter.reset();
});
afterEach(async () => {
  await fx.dispose();
});

const SQUARE = new URL("./fixtures/square.mjs", import.meta.url);

describe("OpenTelemetry through @t", () => {
  it("puts every span of a request, across timer, executor and a downstream call, in one trace", async () => {
    const loop = fx.loop;
    class Upstream extends RequestHandler {
      async get() {
        await new Promise((r) => loop.callLater(1, r));
        tracer.startSpan("after timer").end();
        const squared = await tracer.startActiveSpan("executor task", async (span) => {
          try {
            return await loop.runInExecutor<number>(SQUARE, 7);
          } finally {
            span.end();
          }
        });
        tracer.startSpan("after executor").end();
        const downstream = await tracer.startActiveSpan(
          "fetch downstream",
          { kind: SpanKind.CLIENT },
          async (span) => {
            const sc = span.spanContext();
            try {
              const res = await fetch(`http://127.0.0.1:${fx.port}/downstream`, {
                headers: { traceparent: `00-${sc.traceId}-${sc.spanId}-01` },
              });
              return await res.text();
            } finally {
              span.end();
            }
          },
        );
        this.write(`${squared} ${downstream}`);
      }
    }
    class Downstream extends RequestHandler {
      async get() {
        await new Promise((r) => loop.callLater(1, r));
        tracer.startSpan("downstream work").end();
        this.write("down");
      }
    }
    await fx.serve([
      ["/upstream", Upstream],
      ["/downstream", Downstream],
    ]);
    // Two requests at once: their spans must not mix.
    const [a, b] = await Promise.all([fx.fetch("/upstream"), fx.fetch("/upstream")]);
    expect(await a.text()).toBe("49 down");
    expect(await b.text()).toBe("49 down");
    await fx.waitFor(() => exporter.getFinishedSpans().length === 14);

    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => {
      const id = s.parentSpanContext?.spanId;
      return id === undefined ? undefined : byId.get(id);
    };
    const roots = spans.filter((s) => s.name === "GET /upstream");
    expect(roots).toHaveLength(2);
    for (const root of roots) {
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.kind).toBe(SpanKind.SERVER);
      const traceId = root.spanContext().traceId;
      const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
      expect(inTrace.map((s) => s.name).sort()).toEqual([
        "GET /downstream",
        "GET /upstream",
        "after executor",
        "after timer",
        "downstream work",
        "executor task",
        "fetch downstream",
      ]);
      const named = (n: string) => inTrace.find((s) => s.name === n) as ReadableSpan;
      for (const n of ["after timer", "executor task", "after executor", "fetch downstream"]) {
        expect(parentOf(named(n))).toBe(root);
      }
      expect(parentOf(named("GET /downstream"))).toBe(named("fetch downstream"));
      expect(parentOf(named("downstream work"))).toBe(named("GET /downstream"));
      expect(root.attributes["http.response.status_code"]).toBe(200);
    }
    expect(roots[0]?.spanContext().traceId).not.toBe(roots[1]?.spanContext().traceId);
  });
});
