// Aborting RPC calls with an AbortSignal, both directions, over real TCP on loopback.

import { AbortError } from "@t/ioloop";
import { describe, expect, it } from "vitest";
import { RpcTimeoutError } from "../src/index.js";
import { until, useRpcFixture, within } from "./helpers.js";

const fx = useRpcFixture();

function expectAbort(err: unknown, reason: unknown, method: string): void {
  expect(err).toBeInstanceOf(AbortError);
  expect(err).toMatchObject({ name: "AbortError", code: "T_ERR_ABORTED" });
  expect((err as Error).cause).toBe(reason);
  expect((err as Error).message).toContain(`"${method}"`);
}

describe("client.apply with a signal", () => {
  it("aborting a call whose handler never settles rejects it; the connection keeps working", async () => {
    const { server, port } = await fx.server();
    let started = 0;
    server.register("hang", () => {
      started++;
      return new Promise(() => {});
    });
    server.register("sum", (a: number, b: number) => a + b);
    const client = await fx.connect(port);
    const ac = new AbortController();
    const call = client.apply("hang", [], { signal: ac.signal, timeoutMs: 0 });
    await until(() => started === 1, 10_000, "the handler runs");
    const reason = new Error("user navigated away");
    ac.abort(reason);
    expectAbort(await within(call.catch((e: unknown) => e)), reason, "hang");
    expect(client.connected).toBe(true);
    expect(await within(client.call("sum", 2, 3))).toBe(5);
  });

  it("the reply of an aborted call, arriving late, is dropped and confuses no other call", async () => {
    const { server, port } = await fx.server();
    let finish: (v: string) => void = () => {};
    server.register(
      "slow",
      () =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
    );
    server.register("echo", (v: unknown) => v);
    const client = await fx.connect(port);
    const ac = new AbortController();
    const call = client.apply("slow", [], { signal: ac.signal });
    await until(
      () => server.connection(client.clientId)?.activeHandlers === 1,
      10_000,
      "slow runs",
    );
    ac.abort("enough");
    expectAbort(await within(call.catch((e: unknown) => e)), "enough", "slow");
    finish("late answer"); // written before the echo reply below, on the same connection
    expect(await within(client.call("echo", "fresh"))).toBe("fresh");
    expect(await within(client.call("echo", 7))).toBe(7);
  });

  it("an already-aborted signal rejects at once and sends nothing", async () => {
    const { server, port } = await fx.server();
    let calls = 0;
    server.register("count", () => ++calls);
    const client = await fx.connect(port);
    const reason = new Error("before it began");
    const err = await client
      .apply("count", [], { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expectAbort(err, reason, "count");
    expect(await within(client.call("count"))).toBe(1); // the first call never reached the server
  });

  it("an already-aborted signal wins over not being connected", async () => {
    const client = fx.client();
    const err = await client
      .apply("x", [], { signal: AbortSignal.abort("no") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
  });

  it("a signal that outlives its call changes nothing; a timeout still applies with a signal", async () => {
    const { server, port } = await fx.server();
    server.register("id", (v: unknown) => v);
    server.register("never", () => new Promise(() => {}));
    const client = await fx.connect(port);
    const ac = new AbortController();
    expect(await within(client.apply("id", [1], { signal: ac.signal }))).toBe(1);
    ac.abort(); // the listener is gone with the reply
    const other = new AbortController();
    await expect(
      within(client.apply("never", [], { signal: other.signal, timeoutMs: 50 })),
    ).rejects.toBeInstanceOf(RpcTimeoutError);
    other.abort(); // after the timeout: nothing left to abort
    expect(await within(client.call("id", 2))).toBe(2);
  });

  it("a signal that is not an AbortSignal is a TypeError", async () => {
    const { port } = await fx.server();
    const client = await fx.connect(port);
    expect(() => client.apply("x", [], { signal: {} as AbortSignal })).toThrow(
      /options.signal must be an AbortSignal/,
    );
  });
});

describe("server.apply with a signal", () => {
  it("aborting the server's call of a client handler that never settles rejects it", async () => {
    const { server, port } = await fx.server();
    const client = await fx.connect(port, { clientId: "worker-1" });
    let started = false;
    client.register("hang", () => {
      started = true;
      return new Promise(() => {});
    });
    client.register("ping", () => "pong");
    const ac = new AbortController();
    const call = server.apply("worker-1", "hang", [], { signal: ac.signal });
    await until(() => started, 10_000, "the client's handler runs");
    ac.abort("server shutting down");
    expectAbort(await within(call.catch((e: unknown) => e)), "server shutting down", "hang");
    expect(server.connection("worker-1")?.pendingCalls).toBe(0);
    expect(await within(server.call("worker-1", "ping"))).toBe("pong");
  });

  it("an already-aborted signal rejects before the client is even looked up", async () => {
    const { server } = await fx.server();
    const err = await server
      .apply("nobody", "x", [], { signal: AbortSignal.abort("stop") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
  });
});
