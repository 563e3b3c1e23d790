// runOnExecutor: turn an exported module function into an async function that runs off the loop.

import {
  checkExecutorTask,
  type ExecutorTask,
  type ExecutorTaskObject,
  type TaskExecutor,
  taskSignal,
} from "./executor.js";
import { IOLoop } from "./ioloop.js";

/** Options of {@link runOnExecutor}. */
export interface RunOnExecutorOptions {
  /**
   * Where the calls run. Default: the loop's `runInExecutor` (its default executor: its own
   * worker-thread pool, or what `setDefaultExecutor` gave it).
   */
  executor?: TaskExecutor;
  /** The loop whose executor runs the calls when `executor` is not given. Default: `IOLoop.current()` at each call. */
  loop?: IOLoop;
  /**
   * Cancel the calls when this signal aborts (see {@link ExecutorTaskObject.signal}): every
   * call of the returned function — running, queued, or made afterwards — rejects with
   * `AbortError`. For one call's own signal (e.g. a request's), create the function per call:
   * `runOnExecutor(task, { signal: request.signal })(...args)`; when the task carries a signal
   * too, either one aborts the call.
   */
  signal?: AbortSignal;
}

/**
 * Tornado's `@run_on_executor`, for worker threads: returns an async function that runs `task`
 * (an exported function of an ES module, see {@link ExecutorTask}) off the loop with the
 * arguments it is called with, and resolves with its result. Closures and methods cannot cross
 * into a worker thread, so the function is named by module and export instead of decorated.
 *
 * ```ts
 * const sha256Rounds = runOnExecutor<[string, number], string>({
 *   module: new URL("./hash.mjs", import.meta.url),
 *   name: "sha256Rounds",
 * });
 * const digest = await sha256Rounds("abc", 1e6); // on a worker thread
 * ```
 */
export function runOnExecutor<A extends unknown[], R>(
  task: ExecutorTask,
  options: RunOnExecutorOptions = {},
): (...args: A) => Promise<R> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("runOnExecutor: options must be an object ({ executor?, loop?, signal? })");
  }
  const { executor, loop, signal } = options;
  if (executor !== undefined && (executor === null || typeof executor.run !== "function")) {
    throw new TypeError("runOnExecutor: options.executor must have run(task, args)");
  }
  if (loop !== undefined && !(loop instanceof IOLoop)) {
    throw new TypeError("runOnExecutor: options.loop must be an IOLoop");
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("runOnExecutor: options.signal must be an AbortSignal");
  }
  checkExecutorTask(task);
  const bound = signal === undefined ? task : withSignal(task, signal);
  if (executor !== undefined) {
    return (...args: A) => executor.run<R>(bound, args);
  }
  return (...args: A) => (loop ?? IOLoop.current()).runInExecutor<R>(bound, ...args);
}

/** `task` in object form carrying `signal` (combined with the task's own, if any). */
function withSignal(task: ExecutorTask, signal: AbortSignal): ExecutorTaskObject {
  const own = taskSignal(task);
  const both = own === undefined ? signal : AbortSignal.any([own, signal]);
  if (typeof task === "string" || task instanceof URL) return { module: task, signal: both };
  return { ...task, signal: both };
}
