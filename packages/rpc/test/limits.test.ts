// Per-connection limits over real TCP: in-flight handler cap with backpressure, handler timeout, cleanup on close.

import { tlsFixtures } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import {
  type CallContext,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
  RpcDisconnectedError,
  RpcHandlerTimeoutError,
  RpcOverloadedError,
  RpcServer,
} from "../src/index.js";
import { rejection, until, useRpcFixture, within } from "./helpers.js";

const fx = useRpcFixture();

/** A handler that counts how many of its calls run at once and finishes each on a loop timer. */
function countingHandler(delayMs: number) {
  const stats = { running: 0, max: 0, done: 0 };
  const fn = (i: number, _pad: string) =>
    new Promise<number>((resolve) => {
      stats.running++;
      stats.max = Math.max(stats.max, stats.running);
      fx.loop.callLater(delayMs, () => {
        stats.running--;
        stats.done++;
        resolve(i);
      });
    });
  return { stats, fn };
}

describe("maxInflightPerConnection", () => {
  it("runs at most the default 1024 handlers of one connection at once; 10,000 slow calls are all served", async () => {
    // A read buffer bound far below the 10,000 calls' ~1.3 MB: the server must stop reading
    // while paused, or the stream would close with StreamBufferFullError.
    const { server, port } = await fx.server({ maxBufferSize: 256 * 1024 });
    const { stats, fn } = countingHandler(5);
    server.register("slow", fn);
    const client = await fx.connect(port, { timeoutMs: 0 });
    const n = 10_000;
    const pad = "p".repeat(120);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) calls.push(client.call("slow", i, pad));
    const results = await within(Promise.all(calls), 25_000, "10,000 slow calls");
    for (let i = 0; i < n; i++) expect(results[i]).toBe(i);
    expect(stats.done).toBe(n);
    expect(stats.max).toBe(DEFAULT_MAX_INFLIGHT_PER_CONNECTION);
    expect(client.connected).toBe(true);
  });

  it("honours a smaller limit, and counts async notification handlers too", async () => {
    const { server, port } = await fx.server({ maxInflightPerConnection: 8 });
    const { stats, fn } = countingHandler(2);
    server.register("slow", fn);
    const client = await fx.connect(port, { timeoutMs: 0 });
    for (let i = 0; i < 200; i++) client.notify("slow", i, "");
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) calls.push(client.call("slow", i, ""));
    await within(Promise.all(calls), 20_000, "500 calls behind 200 notifications");
    await until(() => stats.done === 700, 10_000, "all notification handlers");
    expect(stats.max).toBe(8);
  });

  it("over TLS pauses as over TCP: at most the limit runs, every one of 3,000 calls is served", async () => {
    const { server, port } = await fx.server({
      maxInflightPerConnection: 16,
      ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert },
    });
    const { stats, fn } = countingHandler(2);
    server.register("slow", fn);
    const client = await within(
      fx.connect(port, { timeoutMs: 0, ssl: { ca: tlsFixtures.ca } }, "localhost"),
    );
    const pad = "t".repeat(200);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) calls.push(client.call("slow", i, pad).catch((e: Error) => e));
    const results = await within(Promise.all(calls), 25_000, "3,000 calls over TLS");
    for (let i = 0; i < results.length; i++) expect(results[i]).toBe(i);
    expect(stats.done).toBe(3000);
    expect(stats.max).toBe(16);
    expect(await client.call("slow", 1, "")).toBe(1);
  });

  it("answers RpcOverloadedError instead of pausing while a handler waits on a call back to the same client", async () => {
    // Pausing here would deadlock: the client's answers would sit behind its unread calls.
    const { server, port } = await fx.server({ maxInflightPerConnection: 4 });
    server.register(
      "ask",
      async (ctx: CallContext, i: number) => `${i}:${await server.call(ctx.clientId, "answer", i)}`,
      { context: true },
    );
    const client = await fx.connect(port, { clientId: "asker", timeoutMs: 0 });
    let overloaded = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The answers wait until every call beyond the limit has been refused.
    client.register("answer", async (i: number) => {
      await gate;
      return i * 10;
    });
    const calls = Array.from({ length: 20 }, (_, i) =>
      client.call("ask", i).then(
        (v) => v,
        (err: Error) => {
          overloaded++;
          if (overloaded === 16) release();
          return err;
        },
      ),
    );
    const settled = await within(Promise.all(calls), 20_000, "20 calls with call-backs");
    const errors = settled.filter((v): v is Error => v instanceof Error);
    expect(errors).toHaveLength(16);
    for (const e of errors) {
      expect(e).toBeInstanceOf(RpcOverloadedError);
      expect((e as RpcOverloadedError).code).toBe("T_ERR_RPC_OVERLOADED");
    }
    expect(settled.filter((v) => typeof v === "string")).toEqual(["0:0", "1:10", "2:20", "3:30"]);
    // Once the handlers are done, calls are taken again.
    expect(await client.call("ask", 7)).toBe("7:70");
  });

  it("validates the option", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "8"]) {
      expect(() => new RpcServer({ maxInflightPerConnection: bad as number })).toThrow(RangeError);
      expect(() => fx.client({ maxInflightPerConnection: bad as number })).toThrow(RangeError);
    }
    expect(
      () => new RpcServer({ maxInflightPerConnection: Number.POSITIVE_INFINITY }),
    ).not.toThrow();
  });
});

describe("handlerTimeoutMs", () => {
  it("answers a handler that never settles with RpcHandlerTimeoutError at the default of 60 s", {
    timeout: 120_000,
  }, async () => {
    expect(DEFAULT_HANDLER_TIMEOUT_MS).toBe(60_000);
    const { server, port } = await fx.server();
    server.register("never", () => new Promise(() => {}));
    const client = await fx.connect(port, { timeoutMs: 0 });
    const t0 = Date.now();
    const err = await rejection(client.call("never"), 100_000);
    expect(err).toBeInstanceOf(RpcHandlerTimeoutError);
    expect(err.message).toContain("60000 ms");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(59_000);
    expect(client.connected).toBe(true);
  });

  it("aborts the handler's ctx.signal when it times out", async () => {
    const { server, port } = await fx.server({ handlerTimeoutMs: 50 });
    let signal: AbortSignal | undefined;
    server.register(
      "never",
      (ctx: CallContext) => {
        signal = ctx.signal;
        return new Promise(() => {});
      },
      { context: true },
    );
    const client = await fx.connect(port);
    expect(await rejection(client.call("never"))).toBeInstanceOf(RpcHandlerTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(RpcHandlerTimeoutError);
  });
});

describe("a closed connection releases its handlers", () => {
  it("cancels their timers, aborts their signals and drops their replies", async () => {
    const { server, port } = await fx.server();
    const signals: AbortSignal[] = [];
    server.register(
      "hang",
      (ctx: CallContext) => {
        signals.push(ctx.signal);
        return new Promise(() => {});
      },
      { context: true },
    );
    const client = await fx.connect(port, { clientId: "leaver", reconnect: false });
    const before = fx.loop.pendingCount;
    const calls = Array.from({ length: 100 }, () => client.call("hang").catch((e: Error) => e));
    await until(() => signals.length === 100);
    // Each call has a deadline on both sides (the client's call timeout, the server's handler
    // timeout), and none holds a timer: one sweep per loop checks them all.
    expect(fx.loop.pendingCount).toBeLessThan(before + 10);
    const conn = server.connection("leaver");
    expect(conn?.activeHandlers).toBe(100);
    const gone = new Promise((r) => server.once("disconnect", r));
    client.close();
    await within(gone);
    for (const e of await Promise.all(calls)) expect(e).toBeInstanceOf(RpcDisconnectedError);
    expect(conn?.activeHandlers).toBe(0);
    expect(signals.every((s) => s.aborted && s.reason instanceof RpcDisconnectedError)).toBe(true);
  });
});
