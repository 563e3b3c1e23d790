// diagnostics_channel: t.rpc.call.start / t.rpc.call.finish around every handler, with the
// handler running inside the start channel's bound stores (how a tracer gives it a span).

import { AsyncLocalStorage } from "node:async_hooks";
import { channel, subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { RpcCallMessage } from "../src/index.js";
import { until, useRpcFixture } from "./helpers.js";

const fx = useRpcFixture();
const starts: RpcCallMessage[] = [];
const finishes: { message: RpcCallMessage; error: unknown }[] = [];
const onStart = (m: unknown) => void starts.push(m as RpcCallMessage);
const onFinish = (m: unknown) =>
  void finishes.push({ message: m as RpcCallMessage, error: (m as RpcCallMessage).error });
const span = new AsyncLocalStorage<string>();

subscribe("t.rpc.call.start", onStart);
subscribe("t.rpc.call.finish", onFinish);
channel("t.rpc.call.start").bindStore(span, (m) => `span:${(m as RpcCallMessage).method}`);
afterEach(() => {
  starts.length = 0;
  finishes.length = 0;
});
afterAll(() => {
  unsubscribe("t.rpc.call.start", onStart);
  unsubscribe("t.rpc.call.finish", onFinish);
  channel("t.rpc.call.start").unbindStore(span);
});

describe("RPC diagnostics channels", () => {
  it("publishes start and finish for sync, async and failing handlers, and notifications", async () => {
    const { server, port } = await fx.server();
    const seen: string[] = [];
    server.register("sum", (x: number, y: number) => {
      seen.push(`sum in ${span.getStore()}`);
      return x + y;
    });
    server.register("later", async (x: number) => {
      await new Promise((r) => fx.loop.callLater(1, r));
      seen.push(`later after await in ${span.getStore()}`);
      return x * 2;
    });
    server.register("boom", async () => {
      throw new RangeError("no");
    });
    server.register("note", (text: string) => void seen.push(`note ${text} in ${span.getStore()}`));
    const client = await fx.connect(port);
    expect(await client.call("sum", 1, 2)).toBe(3);
    expect(await client.call("later", 21)).toBe(42);
    await expect(client.call("boom")).rejects.toMatchObject({ message: "no" });
    client.notify("note", "hi");
    await until(() => finishes.length === 4);

    expect(starts.map((m) => [m.method, m.args, m.id > 0])).toEqual([
      ["sum", [1, 2], true],
      ["later", [21], true],
      ["boom", [], true],
      ["note", ["hi"], false],
    ]);
    expect(finishes.map((f) => f.message)).toEqual(starts); // the same objects, paired
    expect(finishes.map((f) => (f.error === null ? null : (f.error as Error).message))).toEqual([
      null,
      null,
      "no",
      null,
    ]);
    expect(finishes[2]?.error).toBeInstanceOf(RangeError);
    expect(seen).toEqual([
      "sum in span:sum",
      "later after await in span:later",
      "note hi in span:note",
    ]);
    // Outside a handler the bound store is not set.
    expect(span.getStore()).toBeUndefined();
  });

  it("publishes finish for a call in flight when its connection closes", async () => {
    const { server, port } = await fx.server();
    let release: () => void = () => {};
    server.register("slow", () => new Promise<void>((r) => (release = r)));
    const client = await fx.connect(port);
    const call = client.call("slow").catch((err: unknown) => err);
    await until(() => starts.length === 1);
    client.close();
    expect(await call).toMatchObject({ name: "RpcDisconnectedError" });
    await until(() => finishes.length === 1);
    expect(finishes[0]?.message).toBe(starts[0]);
    expect(finishes[0]?.error).toMatchObject({ name: "RpcDisconnectedError" });
    release(); // the handler settling later publishes nothing more
    await new Promise((r) => fx.loop.callLater(5, r));
    expect(finishes).toHaveLength(1);
  });
});
