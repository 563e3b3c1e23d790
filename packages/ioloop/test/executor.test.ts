import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { LoopClosedError } from "../src/index.js";
import { cleanup, newLoop } from "./helpers.js";

afterEach(cleanup);

const TASKS = new URL("./fixtures/tasks.mjs", import.meta.url);

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

describe("runInExecutor", () => {
  it("computes a CPU-bound function on a worker thread while the loop keeps running", async () => {
    const { loop } = newLoop({ executor: { maxThreads: 2 } });
    const { result, ticks } = await loop.runSync(
      async () => {
        let ticks = 0;
        const interval = loop.callLater(1, function tick() {
          ticks++;
          loop.callLater(1, tick);
        });
        const result = await loop.runInExecutor<{ value: number; threadId: number }>(
          { module: TASKS, name: "fibWithThread" },
          32,
        );
        loop.removeTimeout(interval);
        return { result, ticks };
      },
      { timeoutMs: 20_000 },
    );
    expect(result.value).toBe(fib(32));
    expect(result.threadId).not.toBe(threadId);
    expect(ticks).toBeGreaterThan(0); // timers fired while the worker computed
  });

  it("accepts a module URL, a file: URL string or an absolute path for the default export", async () => {
    const { loop } = newLoop();
    const results = await Promise.all([
      loop.runInExecutor<number>(TASKS, 1, 2, 3),
      loop.runInExecutor<number>(TASKS.href, 4, 5),
      loop.runInExecutor<number>({ module: TASKS.pathname }, 6),
    ]);
    expect(results).toEqual([6, 9, 6]);
  });

  it("a task that throws rejects with its error", async () => {
    const { loop } = newLoop();
    const err = await loop.runInExecutor({ module: TASKS, name: "fail" }, "bad input").then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toBe("bad input");
    expect(err?.name).toBe("RangeError");
    await expect(loop.runInExecutor({ module: TASKS, name: "notAFunction" })).rejects.toThrow(
      /has no exported function "notAFunction"/,
    );
  });

  it("rejects bad task descriptions at the call with TypeError", () => {
    const { loop } = newLoop();
    expect(() => loop.runInExecutor("./relative.mjs")).toThrow(TypeError);
    expect(() => loop.runInExecutor(new URL("https://example.com/x.mjs"))).toThrow(TypeError);
    expect(() => loop.runInExecutor(42 as never)).toThrow(TypeError);
    expect(() => loop.runInExecutor({ module: TASKS, name: "" })).toThrow(TypeError);
    expect(() => newLoop({ executor: { maxThreads: 0 } })).toThrow(RangeError);
  });

  it("close() destroys the pool: pending tasks reject and new ones throw", async () => {
    const { loop } = newLoop();
    const pending = loop.runInExecutor({ module: TASKS, name: "fib" }, 35);
    const settled = pending.then(
      () => "resolved",
      () => "rejected",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    loop.close();
    expect(await settled).toBe("rejected");
    expect(() => loop.runInExecutor(TASKS)).toThrow(LoopClosedError);
  });
});
