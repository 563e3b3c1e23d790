// runOnExecutor: turn an exported module function into an async function that runs off the loop.

import { checkExecutorTask, type ExecutorTask, type TaskExecutor } from "./executor.js";
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
    throw new TypeError("runOnExecutor: options must be an object ({ executor?, loop? })");
  }
  const { executor, loop } = options;
  if (executor !== undefined && (executor === null || typeof executor.run !== "function")) {
    throw new TypeError("runOnExecutor: options.executor must have run(task, args)");
  }
  if (loop !== undefined && !(loop instanceof IOLoop)) {
    throw new TypeError("runOnExecutor: options.loop must be an IOLoop");
  }
  checkExecutorTask(task);
  if (executor !== undefined) {
    return (...args: A) => executor.run<R>(task, args);
  }
  return (...args: A) => (loop ?? IOLoop.current()).runInExecutor<R>(task, ...args);
}
