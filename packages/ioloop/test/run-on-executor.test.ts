// setDefaultExecutor and runOnExecutor: choosing where off-loop work runs (Tornado's executor hooks).

import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import {
  Executor,
  type ExecutorTask,
  IOLoop,
  LoopClosedError,
  runOnExecutor,
  type TaskExecutor,
} from "../src/index.js";
import { cleanup, newLoop } from "./helpers.js";

afterEach(cleanup);

const TASKS = new URL("./fixtures/tasks.mjs", import.meta.url);

/** An executor that records what it was asked to run and runs it through a real pool. */
class RecordingExecutor implements TaskExecutor {
  readonly calls: { task: ExecutorTask; args: unknown[] }[] = [];
  constructor(private readonly pool: Executor) {}
  run<T>(task: ExecutorTask, args: unknown[]): Promise<T> {
    this.calls.push({ task, args });
    return this.pool.run<T>(task, args);
  }
}

describe("setDefaultExecutor", () => {
  it("one Executor shared by two loops runs both loops' tasks, and close() leaves it alive", async () => {
    const shared = new Executor({ maxThreads: 1 });
    try {
      const { loop: a } = newLoop();
      const { loop: b } = newLoop();
      const recording = new RecordingExecutor(shared);
      a.setDefaultExecutor(recording);
      b.setDefaultExecutor(recording);
      const [x, y] = await Promise.all([
        a.runInExecutor<{ value: number; threadId: number }>(
          { module: TASKS, name: "fibWithThread" },
          20,
        ),
        b.runInExecutor<{ value: number; threadId: number }>(
          { module: TASKS, name: "fibWithThread" },
          21,
        ),
      ]);
      expect(x.value).toBe(6765);
      expect(y.value).toBe(10946);
      expect(x.threadId).toBe(y.threadId); // one thread in the shared pool
      expect(x.threadId).not.toBe(threadId);
      expect(recording.calls.map((c) => c.args)).toEqual([[20], [21]]);
      a.close();
      expect(shared.started).toBe(true); // the caller's pool survives the loop
      expect(await b.runInExecutor<number>(TASKS, 2, 3)).toBe(5);
    } finally {
      await shared.destroy();
    }
  });

  it("null goes back to the loop's own pool", async () => {
    const { loop } = newLoop();
    const calls: unknown[] = [];
    loop.setDefaultExecutor({
      run<T>(_task: ExecutorTask, args: unknown[]): Promise<T> {
        calls.push(args);
        return Promise.resolve(-1 as T);
      },
    });
    expect(await loop.runInExecutor<number>(TASKS, 1, 2)).toBe(-1);
    loop.setDefaultExecutor(null);
    expect(await loop.runInExecutor<number>(TASKS, 1, 2)).toBe(3);
    expect(calls).toEqual([[1, 2]]);
  });

  it("rejects what is not an executor, and a closed loop", () => {
    const { loop } = newLoop();
    expect(() => loop.setDefaultExecutor({} as never)).toThrow(TypeError);
    expect(() => loop.setDefaultExecutor(42 as never)).toThrow(TypeError);
    loop.close();
    expect(() => loop.setDefaultExecutor(null)).toThrow(LoopClosedError);
  });
});

describe("runOnExecutor", () => {
  it("makes an async function that runs the named export on a worker thread", async () => {
    const { loop } = newLoop();
    const fibWithThread = runOnExecutor<[number], { value: number; threadId: number }>(
      { module: TASKS, name: "fibWithThread" },
      { loop },
    );
    const result = await fibWithThread(25);
    expect(result.value).toBe(75025);
    expect(result.threadId).not.toBe(threadId);
  });

  it("uses IOLoop.current() at each call when no loop is given", async () => {
    const { loop } = newLoop({ makeCurrent: true });
    expect(IOLoop.current()).toBe(loop);
    const seen: unknown[] = [];
    loop.setDefaultExecutor({
      run<T>(task: ExecutorTask, args: unknown[]): Promise<T> {
        seen.push({ task, args });
        return Promise.resolve("ran" as T);
      },
    });
    const sum = runOnExecutor<number[], string>(TASKS);
    expect(await sum(1, 2)).toBe("ran");
    expect(seen).toEqual([{ task: TASKS, args: [1, 2] }]);
  });

  it("runs on the executor it was given, and rejects with the task's error", async () => {
    const pool = new Executor({ maxThreads: 1 });
    try {
      const fail = runOnExecutor<[string], never>(
        { module: TASKS, name: "fail" },
        { executor: pool },
      );
      const err = await fail("bad input").then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.name).toBe("RangeError");
      expect(err?.message).toBe("bad input");
      expect(pool.started).toBe(true);
    } finally {
      await pool.destroy();
    }
  });

  it("checks the task and options when defined", () => {
    expect(() => runOnExecutor("./relative.mjs")).toThrow(TypeError);
    expect(() => runOnExecutor({ module: TASKS, name: "" })).toThrow(TypeError);
    expect(() => runOnExecutor(TASKS, { executor: {} as never })).toThrow(TypeError);
    expect(() => runOnExecutor(TASKS, { loop: {} as never })).toThrow(TypeError);
    expect(() => runOnExecutor(TASKS, null as never)).toThrow(TypeError);
  });
});
