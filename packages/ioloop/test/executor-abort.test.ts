// AbortSignal on executor tasks: runInExecutor({ module, name, signal }), runOnExecutor(task, { signal }).

import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  Executor,
  type ExecutorTask,
  runOnExecutor,
  type TaskExecutor,
} from "../src/index.js";
import { cleanup, newLoop } from "./helpers.js";

afterEach(cleanup);

const TASKS = new URL("./fixtures/abortable-tasks.mjs", import.meta.url);

/** A flag the worker raises (to 1) once the task runs; shared memory, no clock. */
function newFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** Waits until the worker raised `flag`, bounded. */
async function started(flag: Int32Array): Promise<void> {
  const result = Atomics.waitAsync(flag, 0, 0, 20_000);
  if (result.async) await result.value;
  expect(Atomics.load(flag, 0)).toBe(1);
}

function expectAbort(err: unknown, reason: unknown): void {
  expect(err).toBeInstanceOf(AbortError);
  expect((err as AbortError).name).toBe("AbortError");
  expect((err as AbortError).code).toBe("T_ERR_ABORTED");
  expect((err as AbortError).cause).toBe(reason);
}

describe("runInExecutor with a signal in the task", () => {
  it("an already-aborted signal rejects at once and runs nothing", async () => {
    const { loop } = newLoop({ executor: { maxThreads: 1 } });
    const flag = newFlag();
    const reason = new Error("too late");
    const err = await loop
      .runInExecutor(
        { module: TASKS, name: "hangForever", signal: AbortSignal.abort(reason) },
        flag,
      )
      .catch((e: unknown) => e);
    expectAbort(err, reason);
    expect(Atomics.load(flag, 0)).toBe(0);
  });

  it("aborting a task that is running terminates its worker; the pool runs later tasks", async () => {
    const { loop } = newLoop({ executor: { maxThreads: 1 } });
    const flag = newFlag();
    const ac = new AbortController();
    const spinning = loop.runInExecutor(
      { module: TASKS, name: "spinForever", signal: ac.signal },
      flag,
    );
    await started(flag);
    ac.abort("user cancelled");
    expectAbort(await spinning.catch((e: unknown) => e), "user cancelled");
    await expect(loop.runInExecutor({ module: TASKS, name: "double" }, 21)).resolves.toBe(42);
  });

  it("aborting a queued task means it never starts", async () => {
    const { loop } = newLoop({ executor: { maxThreads: 1 } });
    const first = newFlag();
    const second = newFlag();
    const acFirst = new AbortController();
    const acSecond = new AbortController();
    const running = loop.runInExecutor(
      { module: TASKS, name: "hangForever", signal: acFirst.signal },
      first,
    );
    await started(first);
    const queued = loop.runInExecutor(
      { module: TASKS, name: "spinForever", signal: acSecond.signal },
      second,
    );
    acSecond.abort();
    expect(await queued.catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    acFirst.abort();
    expect(await running.catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    await expect(loop.runInExecutor({ module: TASKS, name: "double" }, 4)).resolves.toBe(8);
    expect(Atomics.load(second, 0)).toBe(0);
  });

  it("a task that finishes before any abort resolves, and a later abort changes nothing", async () => {
    const { loop } = newLoop();
    const ac = new AbortController();
    await expect(
      loop.runInExecutor({ module: TASKS, name: "double", signal: ac.signal }, 5),
    ).resolves.toBe(10);
    ac.abort();
    await expect(loop.runInExecutor({ module: TASKS, name: "double" }, 6)).resolves.toBe(12);
  });

  it("a signal that is not an AbortSignal is a TypeError", () => {
    const { loop } = newLoop();
    expect(() =>
      loop.runInExecutor({ module: TASKS, name: "double", signal: {} as AbortSignal }, 1),
    ).toThrow(/task.signal must be an AbortSignal/);
  });
});

describe("runOnExecutor with a signal", () => {
  it("aborting rejects the running call and every later call at once", async () => {
    const { loop } = newLoop({ executor: { maxThreads: 1 } });
    const ac = new AbortController();
    const spin = runOnExecutor<[Int32Array], never>(
      { module: TASKS, name: "spinForever" },
      { loop, signal: ac.signal },
    );
    const flag = newFlag();
    const call = spin(flag);
    await started(flag);
    ac.abort("shutting down");
    expectAbort(await call.catch((e: unknown) => e), "shutting down");
    const later = newFlag();
    expectAbort(await spin(later).catch((e: unknown) => e), "shutting down");
    expect(Atomics.load(later, 0)).toBe(0);
  });

  it("either the task's own signal or the options' signal aborts the call", async () => {
    const { loop } = newLoop({ executor: { maxThreads: 2 } });
    const own = new AbortController();
    const shared = new AbortController();
    const hang = runOnExecutor<[Int32Array], never>(
      { module: TASKS, name: "hangForever", signal: own.signal },
      { loop, signal: shared.signal },
    );
    const flag = newFlag();
    const call = hang(flag);
    await started(flag);
    own.abort("own");
    expectAbort(await call.catch((e: unknown) => e), "own");
  });

  it("a custom executor receives the signal on the task", async () => {
    const pool = new Executor({ maxThreads: 1 });
    const seen: ExecutorTask[] = [];
    const recording: TaskExecutor = {
      run<T>(task: ExecutorTask, args: unknown[]): Promise<T> {
        seen.push(task);
        return pool.run<T>(task, args);
      },
    };
    try {
      const ac = new AbortController();
      const named = runOnExecutor<[number], number>(
        { module: TASKS, name: "double" },
        { executor: recording, signal: ac.signal },
      );
      await expect(named(3)).resolves.toBe(6);
      expect(seen).toHaveLength(1);
      expect((seen[0] as { signal?: AbortSignal }).signal).toBe(ac.signal);
    } finally {
      await pool.destroy();
    }
  });

  it("options.signal that is not an AbortSignal is a TypeError", () => {
    expect(() => runOnExecutor(TASKS, { signal: "no" as unknown as AbortSignal })).toThrow(
      /options.signal must be an AbortSignal/,
    );
  });
});
