// RpcServer and RpcClient over real TCP sockets on loopback.

import { tlsFixtures } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import {
  type CallContext,
  RpcDisconnectedError,
  RpcDuplicateClientError,
  RpcEncodeError,
  RpcFrameTooLargeError,
  RpcHandlerTimeoutError,
  RpcMethodNotFoundError,
  RpcProtocolError,
  RpcRemoteError,
  RpcShuttingDownError,
  RpcTimeoutError,
  RpcUnknownClientError,
} from "../src/index.js";
import { rejection, sleep, until, useRpcFixture, within } from "./helpers.js";

const fx = useRpcFixture();

describe("round trips", () => {
  it("calls a registered function and gets its result (the seed's sum)", async () => {
    const { server, port } = await fx.server();
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port);
    expect(await client.call("sum", 1, 2)).toBe(3);
    expect(await client.apply("sum", [40, 2])).toBe(42);
  });

  it("carries strings, nested maps, arrays, null and binary both ways", async () => {
    const { server, port } = await fx.server();
    server.register("echo", (...args: unknown[]) => args);
    const client = await fx.connect(port);
    const value = {
      s: "héllo ✓",
      n: [1, -2, 3.5, 2 ** 40],
      nested: { ok: true, none: null },
      bin: new Uint8Array([0, 255, 7]),
    };
    const got = (await client.call("echo", value, "x")) as [typeof value, string];
    expect(got[1]).toBe("x");
    expect(got[0].s).toBe(value.s);
    expect(got[0].n).toEqual(value.n);
    expect(got[0].nested).toEqual(value.nested);
    expect(Array.from(got[0].bin)).toEqual([0, 255, 7]);
  });

  it("works over TLS, both directions", async () => {
    const { server, port } = await fx.server({
      ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert },
    });
    server.register("sum", (x: number, y: number) => x + y);
    const client = await within(
      fx.connect(port, { clientId: "tls", ssl: { ca: tlsFixtures.ca } }, "localhost"),
    );
    client.register("hello", () => "from a TLS client");
    expect(await client.call("sum", 20, 22)).toBe(42);
    expect(await server.call("tls", "hello")).toBe("from a TLS client");
  });

  it("keeps frames intact over TLS under load (batches are not reused while TLS holds them)", async () => {
    const { server, port } = await fx.server({
      ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert },
    });
    server.register(
      "echo",
      (i: number, pad: string) =>
        new Promise((resolve) => fx.loop.callLater(1, () => resolve([i, pad.length]))),
    );
    const client = await within(
      fx.connect(port, { timeoutMs: 0, ssl: { ca: tlsFixtures.ca } }, "localhost"),
    );
    const pad = "t".repeat(300);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 5000; i++) calls.push(client.call("echo", i, pad));
    const results = await within(Promise.all(calls), 25_000, "5,000 calls over TLS");
    for (let i = 0; i < 5000; i++) expect(results[i]).toEqual([i, 300]);
    expect(client.connected).toBe(true);
  });

  it("works over IPv6 loopback", async () => {
    const { server, port } = await fx.server({}, "::1");
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port, {}, "::1");
    expect(await client.call("sum", 2, 3)).toBe(5);
  });

  it("awaits async handlers", async () => {
    const { server, port } = await fx.server();
    server.register("later", async (x: number) => {
      await sleep(20);
      return x * 2;
    });
    const client = await fx.connect(port);
    expect(await client.call("later", 21)).toBe(42);
  });

  it("delivers notifications without a reply", async () => {
    const { server, port } = await fx.server();
    const seen: unknown[] = [];
    server.register("log", (line: string) => {
      seen.push(line);
    });
    const client = await fx.connect(port);
    client.notify("log", "a");
    client.notify("log", "b");
    await until(() => seen.length === 2);
    expect(seen).toEqual(["a", "b"]);
  });

  it("matches replies that arrive out of order to their calls", async () => {
    const { server, port } = await fx.server();
    server.register("delayed", async (x: number, ms: number) => {
      await sleep(ms);
      return x;
    });
    const client = await fx.connect(port);
    const order: number[] = [];
    const calls = [30, 0, 15, 5].map((ms, i) =>
      client.call("delayed", i, ms).then((v) => {
        order.push(v as number);
        return v;
      }),
    );
    expect(await within(Promise.all(calls))).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([1, 3, 2, 0]);
  });

  it("runs 10,000 concurrent calls on one connection", async () => {
    const { server, port } = await fx.server();
    server.register("double", (x: number) => x * 2);
    server.register("adouble", async (x: number) => x * 2);
    const client = await fx.connect(port);
    const n = 10_000;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) calls.push(client.call(i % 2 === 0 ? "double" : "adouble", i));
    const results = await within(Promise.all(calls), 20_000, "10,000 calls");
    for (let i = 0; i < n; i++) expect(results[i]).toBe(i * 2);
  });
});

describe("errors travel back", () => {
  it("rejects an unknown method with RpcMethodNotFoundError and keeps the connection", async () => {
    const { server, port } = await fx.server();
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port);
    const err = await rejection(client.call("nope", 1));
    expect(err).toBeInstanceOf(RpcMethodNotFoundError);
    expect(err.message).toContain('"nope"');
    expect(await client.call("sum", 1, 1)).toBe(2);
  });

  it("turns a throwing handler into RpcRemoteError with name, message, code and data", async () => {
    const { server, port } = await fx.server();
    server.register("boom", () => {
      const e = new TypeError("bad input") as TypeError & { code: string; data: unknown };
      e.code = "E_BAD";
      e.data = { field: "x" };
      throw e;
    });
    server.register("aboom", async () => {
      throw new RangeError("async bad");
    });
    server.register("throwString", () => {
      throw "plain string";
    });
    const client = await fx.connect(port);
    const e1 = (await rejection(client.call("boom"))) as RpcRemoteError;
    expect(e1).toBeInstanceOf(RpcRemoteError);
    expect(e1.code).toBe("T_ERR_RPC_REMOTE");
    expect(e1.remoteName).toBe("TypeError");
    expect(e1.remoteCode).toBe("E_BAD");
    expect(e1.message).toBe("bad input");
    expect(e1.data).toEqual({ field: "x" });
    const e2 = (await rejection(client.call("aboom"))) as RpcRemoteError;
    expect(e2.remoteName).toBe("RangeError");
    expect(e2.remoteCode).toBeNull();
    const e3 = (await rejection(client.call("throwString"))) as RpcRemoteError;
    expect(e3.message).toBe("plain string");
    expect(await client.call("boom").catch(() => "still open")).toBe("still open");
  });

  it("rejects arguments msgpack cannot encode locally with RpcEncodeError", async () => {
    const { server, port } = await fx.server();
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port);
    const err = await rejection(client.call("sum", 1n, 2));
    expect(err).toBeInstanceOf(RpcEncodeError);
    expect(await client.call("sum", 1, 2)).toBe(3);
  });

  it("answers with RpcEncodeError when a handler's result cannot be encoded", async () => {
    const { server, port } = await fx.server();
    server.register("bigint", () => 10n);
    const client = await fx.connect(port);
    expect(await rejection(client.call("bigint"))).toBeInstanceOf(RpcEncodeError);
  });
});

describe("timeouts", () => {
  it("rejects with RpcTimeoutError after timeoutMs and ignores the late reply", async () => {
    const { server, port } = await fx.server();
    let finished = false;
    server.register("slow", async () => {
      await sleep(150);
      finished = true;
      return "late";
    });
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port);
    const t0 = Date.now();
    const err = await rejection(client.apply("slow", [], { timeoutMs: 50 }));
    expect(err).toBeInstanceOf(RpcTimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    await until(() => finished);
    await sleep(20);
    expect(await client.call("sum", 2, 2)).toBe(4);
  });

  it("uses the client's default timeoutMs for call()", async () => {
    const { server, port } = await fx.server();
    server.register("never", () => new Promise(() => {}));
    const client = await fx.connect(port, { timeoutMs: 40 });
    expect(await rejection(client.call("never"))).toBeInstanceOf(RpcTimeoutError);
  });

  it("replies RpcHandlerTimeoutError when a handler exceeds the server's handlerTimeoutMs", async () => {
    const { server, port } = await fx.server({ handlerTimeoutMs: 40 });
    server.register("never", () => new Promise(() => {}));
    const client = await fx.connect(port);
    const err = await rejection(client.call("never"));
    expect(err).toBeInstanceOf(RpcHandlerTimeoutError);
    expect(err.message).toContain("40 ms");
  });

  it("validates timeoutMs", async () => {
    const { port } = await fx.server();
    const client = await fx.connect(port);
    expect(() => client.apply("x", [], { timeoutMs: -1 })).toThrow(RangeError);
    expect(() => client.apply("x", "nope" as never)).toThrow(TypeError);
    expect(() => client.call("")).toThrow(TypeError);
  });
});

describe("limits and bad peers", () => {
  it("rejects an oversized outgoing call locally and keeps the connection", async () => {
    const { server, port } = await fx.server();
    server.register("len", (s: string) => s.length);
    const client = await fx.connect(port, { maxFrameBytes: 1024 });
    const err = await rejection(client.call("len", "x".repeat(2000)));
    expect(err).toBeInstanceOf(RpcFrameTooLargeError);
    expect(await client.call("len", "abc")).toBe(3);
  });

  it("closes a connection whose incoming frame exceeds maxFrameBytes; others are unaffected", async () => {
    fx.expectLog(/closing RPC connection: incoming frame of \d+ bytes exceeds maxFrameBytes/);
    fx.expectLog(/RPC peer closed the connection/);
    const { server, port } = await fx.server({ maxFrameBytes: 1024 });
    server.register("len", (s: string) => s.length);
    const other = await fx.connect(port, { clientId: "other" });
    const big = await fx.connect(port, { clientId: "big", reconnect: false });
    const disconnected = new Promise<Error | undefined>((r) => big.once("disconnect", r));
    const err = await rejection(big.call("len", "x".repeat(5000)));
    expect(err).toBeInstanceOf(RpcDisconnectedError);
    const why = await within(disconnected);
    expect(why).toBeInstanceOf(RpcFrameTooLargeError);
    expect(big.connected).toBe(false);
    expect(await other.call("len", "abcd")).toBe(4);
    expect(server.clients()).toEqual(["other"]);
  });

  it("answers RpcFrameTooLargeError when a handler's result exceeds maxFrameBytes", async () => {
    const { server, port } = await fx.server({ maxFrameBytes: 1024 });
    server.register("big", () => "y".repeat(4096));
    const client = await fx.connect(port);
    expect(await rejection(client.call("big"))).toBeInstanceOf(RpcFrameTooLargeError);
    expect(client.connected).toBe(true);
  });

  it("an async handler's error too large for a frame comes back truncated; the server lives on", async () => {
    const { server, port } = await fx.server({ maxFrameBytes: 2000 });
    server.register("echoError", async (s: string) => {
      await sleep(1);
      throw new Error(s);
    });
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port);
    const err = await rejection(client.call("echoError", "z".repeat(1980)));
    expect(err.message.length).toBeLessThanOrEqual(1024);
    expect(err.message.startsWith("zzz")).toBe(true);
    expect(await client.call("sum", 2, 3)).toBe(5);
  });

  it("closes a connection that sends garbage bytes and keeps serving others", async () => {
    fx.expectLog(/closing RPC connection/);
    const { server, port } = await fx.server();
    server.register("sum", (x: number, y: number) => x + y);
    const good = await fx.connect(port);
    const raw = await fx.raw(port);
    await raw.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1, 1, 2, 3]));
    const rest = await within(raw.readUntilClose(), 5000, "server closing the garbage connection");
    // The server says why in a FATAL frame before closing (best effort).
    if (rest.length > 0) expect(rest.readUInt32BE(0)).toBe(rest.length - 4);
    expect(await good.call("sum", 5, 6)).toBe(11);
  });

  it("closes a connection whose first frame is not a hello", async () => {
    fx.expectLog(/expected a hello frame first/);
    const { port } = await fx.server();
    const raw = await fx.raw(port);
    // A well-formed request [0, 1, "sum", [1, 2]] without a hello before it.
    const payload = Buffer.from([0x94, 0x00, 0x01, 0xa3, 0x73, 0x75, 0x6d, 0x92, 0x01, 0x02]);
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeUInt32BE(payload.length);
    payload.copy(frame, 4);
    await raw.write(frame);
    await within(raw.readUntilClose());
    expect(raw.closed()).toBe(true);
  });

  it("closes connections that never say hello after helloTimeoutMs", async () => {
    fx.expectLog(/no hello within 50 ms/);
    const { server, port } = await fx.server({ helloTimeoutMs: 50 });
    const raw = await fx.raw(port);
    await within(raw.readUntilClose(), 2000);
    await until(() => server.connectionCount === 0);
  });

  it("survives a frame split into single bytes", async () => {
    const { server, port } = await fx.server();
    server.register("sum", (x: number, y: number) => x + y);
    const raw = await fx.raw(port);
    const hello = Buffer.from([0x93, 0x03, 0x01, 0xa1, 0x72]); // [3, 1, "r"]
    const call = Buffer.from([0x94, 0x00, 0x02, 0xa3, 0x73, 0x75, 0x6d, 0x92, 0x05, 0x06]);
    const bytes: number[] = [];
    for (const p of [hello, call]) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(p.length);
      bytes.push(...len, ...p);
    }
    for (const b of bytes) {
      await raw.write(Buffer.from([b]));
      await sleep(1);
    }
    // Two replies: hello ack [1, 1, nil, "r"] then [1, 2, nil, 11].
    const a = await within(raw.readBytes(4));
    await raw.readBytes(a.readUInt32BE(0));
    const b = await within(raw.readBytes(4));
    const reply = await raw.readBytes(b.readUInt32BE(0));
    expect([...reply]).toEqual([0x94, 0x01, 0x02, 0xc0, 0x0b]);
    expect(server.clients()).toEqual(["r"]);
  });
});

describe("connections", () => {
  it("emits connect and disconnect with the client id", async () => {
    const { server, port } = await fx.server();
    const events: string[] = [];
    server.on("connect", (id, address) => events.push(`connect ${id} ${address.address}`));
    server.on("disconnect", (id) => events.push(`disconnect ${id}`));
    const client = await fx.connect(port, { clientId: "alice" });
    expect(server.clients()).toEqual(["alice"]);
    expect(server.hasClient("alice")).toBe(true);
    client.close();
    await until(() => events.length === 2);
    expect(events).toEqual(["connect alice 127.0.0.1", "disconnect alice"]);
    expect(server.clients()).toEqual([]);
  });

  it("rejects in-flight calls with RpcDisconnectedError when the client closes mid-call", async () => {
    const { server, port } = await fx.server();
    let handlerDone = false;
    server.register("slow", async () => {
      await sleep(100);
      handlerDone = true;
      return 1;
    });
    const client = await fx.connect(port);
    const gone = new Promise<string>((r) => server.once("disconnect", r));
    const call = client.call("slow");
    await sleep(20);
    client.close();
    const err = await rejection(call);
    expect(err).toBeInstanceOf(RpcDisconnectedError);
    expect(err.message).toContain('"slow"');
    expect(await within(gone)).toBe(client.clientId);
    await until(() => handlerDone); // the handler finishes; its reply is dropped quietly
    await expect(client.call("slow")).rejects.toBeInstanceOf(RpcDisconnectedError);
  });

  it("rejects the server's in-flight calls when the client goes away", async () => {
    const { server, port } = await fx.server();
    const client = await fx.connect(port, { clientId: "c1" });
    client.register("hang", () => new Promise(() => {}));
    const call = server.call("c1", "hang");
    await sleep(20);
    client.close();
    expect(await rejection(call)).toBeInstanceOf(RpcDisconnectedError);
  });

  it("lets the server call a client by its id (server push)", async () => {
    const { server, port } = await fx.server();
    const client = await fx.connect(port, { clientId: "bob" });
    const got: unknown[] = [];
    client.register("push", (msg: string) => {
      got.push(msg);
      return `ack ${msg}`;
    });
    expect(await server.call("bob", "push", "hi")).toBe("ack hi");
    server.notify("bob", "push", "fire-and-forget");
    await until(() => got.length === 2);
    expect(got).toEqual(["hi", "fire-and-forget"]);
    expect(await rejection(server.call("bob", "missing"))).toBeInstanceOf(RpcMethodNotFoundError);
    expect(await rejection(server.call("nobody", "push", 1))).toBeInstanceOf(RpcUnknownClientError);
    expect(() => server.notify("nobody", "push")).toThrow(RpcUnknownClientError);
  });

  it("gives context handlers the caller's id so the server can call back", async () => {
    const { server, port } = await fx.server();
    server.register(
      "subscribe",
      async (ctx: CallContext, topic: string) => {
        const answer = await server.call(ctx.clientId, "confirm", topic);
        return `${ctx.method}:${ctx.clientId}:${answer}`;
      },
      { context: true },
    );
    const client = await fx.connect(port, { clientId: "carol" });
    client.register("confirm", (topic: string) => `yes-${topic}`);
    expect(await client.call("subscribe", "news")).toBe("subscribe:carol:yes-news");
  });

  it("refuses a second connection claiming a live client id; the first keeps working", async () => {
    const { server, port } = await fx.server();
    server.register("who", (ctx: CallContext) => ctx.clientId, { context: true });
    const events: string[] = [];
    server.on("connect", (id) => events.push(`+${id}`));
    server.on("disconnect", (id) => events.push(`-${id}`));
    const first = await fx.connect(port, { clientId: "dup", reconnect: false });
    first.register("ping", () => "pong from the first");
    const err = await rejection(fx.connect(port, { clientId: "dup" }));
    expect(err).toBeInstanceOf(RpcDuplicateClientError);
    expect((err as RpcDuplicateClientError).code).toBe("T_ERR_RPC_DUPLICATE_CLIENT");
    expect(err.message).toContain('"dup" is already connected');
    expect(first.connected).toBe(true);
    expect(await first.call("who")).toBe("dup");
    expect(await server.call("dup", "ping")).toBe("pong from the first");
    expect(events).toEqual(["+dup"]);
    expect(server.clients()).toEqual(["dup"]);
    expect(server.connectionCount).toBe(1);
  });

  it('with onDuplicateClientId: "replace", a second connection replaces the live one', async () => {
    const { server, port } = await fx.server({ onDuplicateClientId: "replace" });
    server.register("who", (ctx: CallContext) => ctx.clientId, { context: true });
    const events: string[] = [];
    server.on("connect", (id) => events.push(`+${id}`));
    server.on("disconnect", (id) => events.push(`-${id}`));
    const first = await fx.connect(port, { clientId: "dup", reconnect: false });
    const firstGone = new Promise((r) => first.once("disconnect", r));
    const second = await fx.connect(port, { clientId: "dup" });
    await within(firstGone);
    expect(first.connected).toBe(false);
    expect(await second.call("who")).toBe("dup");
    expect(events).toEqual(["+dup", "-dup", "+dup"]);
    expect(fx.logs.some((l) => /reconnected; closing its previous connection/.test(l.msg))).toBe(
      true,
    );
    expect(server.clients()).toEqual(["dup"]);
  });

  it("reconnects with backoff after the server restarts, and calls work again", async () => {
    const { server, port } = await fx.server();
    server.register("v", () => 1);
    const client = await fx.connect(port, {
      clientId: "phoenix",
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    expect(await client.call("v")).toBe(1);
    const delays: number[] = [];
    client.on("reconnecting", (_attempt, delayMs) => delays.push(delayMs));
    const disconnected = new Promise((r) => client.once("disconnect", r));
    await server.shutdown({ deadlineMs: 1000 });
    await within(disconnected);
    expect(await rejection(client.call("v"))).toBeInstanceOf(RpcDisconnectedError);
    await until(() => delays.length >= 2, 3000, "reconnect attempts");
    const reconnected = new Promise<string>((r) => client.once("connect", r));
    const revived = await fx.server({}, "127.0.0.1", port);
    revived.server.register("v", () => 2);
    expect(await within(reconnected, 5000, "reconnect")).toBe("phoenix");
    expect(await client.call("v")).toBe(2);
    for (const d of delays) expect(d).toBeLessThanOrEqual(100);
    expect(delays[0]).toBeGreaterThanOrEqual(10); // 20 ms with jitter 0.5 → 10..20
  });

  it("gives up after maxAttempts and emits reconnectFailed", async () => {
    const { server, port } = await fx.server();
    const client = await fx.connect(port, {
      reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 },
    });
    const failed = new Promise<Error | undefined>((r) => client.once("reconnectFailed", r));
    await server.shutdown({ deadlineMs: 0 });
    const err = await within(failed, 3000);
    expect(err).toBeInstanceOf(Error);
    expect(client.connected).toBe(false);
  });

  it("rejects connect() when nothing listens (no retry for the first connect)", async () => {
    const { server, port } = await fx.server();
    await server.shutdown({ deadlineMs: 0 });
    const client = fx.client();
    await expect(within(client.connect("127.0.0.1", port))).rejects.toThrow();
    expect(client.connected).toBe(false);
  });
});

describe("graceful shutdown", () => {
  it("lets in-flight calls finish, refuses new ones, then closes", async () => {
    const { server, port } = await fx.server();
    server.register("slow", async (x: number) => {
      await sleep(80);
      return x + 1;
    });
    server.register("sum", (x: number, y: number) => x + y);
    const client = await fx.connect(port, { reconnect: false });
    const inFlight = [client.call("slow", 1), client.call("slow", 2)];
    await sleep(10);
    const done = server.shutdown({ deadlineMs: 5000 });
    const late = rejection(client.call("sum", 1, 1));
    expect(await within(Promise.all(inFlight))).toEqual([2, 3]);
    const lateErr = await late;
    expect([RpcShuttingDownError, RpcDisconnectedError].some((C) => lateErr instanceof C)).toBe(
      true,
    );
    await within(done, 5000, "shutdown");
    expect(server.connectionCount).toBe(0);
    await until(() => !client.connected);
  });

  it("closes connections still busy at the deadline", async () => {
    const { server, port } = await fx.server();
    server.register("never", () => new Promise(() => {}));
    const client = await fx.connect(port, { reconnect: false });
    const call = client.call("never");
    await sleep(10);
    const t0 = Date.now();
    await within(server.shutdown({ deadlineMs: 60 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    expect(await rejection(call)).toBeInstanceOf(RpcDisconnectedError);
  });
});

describe("protocol errors from the peer", () => {
  it("an RpcProtocolError from a FATAL frame is the disconnect cause on the client", async () => {
    fx.expectLog(/closing RPC connection: no hello/);
    // The server waits 30 ms for a hello; the client's hello is held back by connecting raw.
    const { port } = await fx.server({ helloTimeoutMs: 30 });
    const raw = await fx.raw(port);
    const bytes = await within(raw.readUntilClose());
    expect(bytes.length).toBeGreaterThan(4);
    const { decode } = await import("@msgpack/msgpack");
    const fatal = decode(bytes.subarray(4, 4 + bytes.readUInt32BE(0))) as [
      number,
      { code: string },
    ];
    expect(fatal[0]).toBe(4);
    expect(fatal[1].code).toBe(new RpcProtocolError().code);
  });
});
