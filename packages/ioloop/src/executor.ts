// runInExecutor's worker-thread pool: a lazily created tinypool running exported module functions.

import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { Tinypool } from "tinypool";
import { AbortError } from "./errors.js";

/**
 * What {@link IOLoop.runInExecutor} runs in a worker thread. Worker threads cannot receive a
 * closure, so a task names a module and one of its exported functions:
 *
 * - a `URL` or string naming an ES module (absolute path or `file:` URL) whose default export is
 *   the function, e.g. `new URL("./hash.mjs", import.meta.url)`;
 * - `{ module, name, signal }`: the same module reference, the name of the exported function
 *   (`name` defaults to `"default"`) and optionally an `AbortSignal` for this call (see
 *   {@link ExecutorTaskObject.signal}).
 *
 * The function receives the arguments given to `runInExecutor` (structured-cloned) and may
 * return a value or a promise; the result is structured-cloned back.
 */
export type ExecutorTask = string | URL | ExecutorTaskObject;

/** The object form of an {@link ExecutorTask}. */
export interface ExecutorTaskObject {
  /** The ES module: an absolute path, a `file:` URL or URL string. */
  module: string | URL;
  /** The exported function to call. Default `"default"`. */
  name?: string;
  /**
   * Cancel the call when this signal aborts: the promise rejects with `AbortError` (`cause`:
   * the signal's reason). A call still queued never starts; a call already running has its
   * worker thread terminated (a worker cannot be interrupted otherwise), and the pool starts a
   * fresh one for later calls. A signal that has already aborted rejects at once. This is how a
   * signal reaches `loop.runInExecutor(task, ...args)`, whose rest arguments all go to the
   * function: `loop.runInExecutor({ module, name, signal }, ...args)`. A custom
   * {@link TaskExecutor} finds it here too.
   */
  signal?: AbortSignal;
}

/** Options of the executor pool, set via `IOLoopOptions.executor`. */
export interface ExecutorOptions {
  /** Most worker threads at once. Default: tinypool's (the number of CPUs). */
  maxThreads?: number;
  /** Idle worker threads are ended after this many milliseconds. Default 10000. */
  idleTimeoutMs?: number;
}

/**
 * The module every worker loads: it imports the task's module (cached by the worker's module
 * map) and calls the named export with the spread arguments. Shipped as a `data:` URL so that
 * it needs no file of its own next to either `src/` or `dist/`.
 */
const TRAMPOLINE_SOURCE = `export default async function runTask(task) {
  const mod = await import(task.module);
  const fn = mod[task.name];
  if (typeof fn !== "function") {
    throw new TypeError("runInExecutor: " + task.module + " has no exported function " + JSON.stringify(task.name));
  }
  return fn(...task.args);
}
`;
const TRAMPOLINE_URL = `data:text/javascript,${encodeURIComponent(TRAMPOLINE_SOURCE)}`;

interface TaskMessage {
  module: string;
  name: string;
  args: unknown[];
}

function moduleHref(module: unknown): string {
  if (module instanceof URL) {
    if (module.protocol !== "file:") {
      throw new TypeError(`runInExecutor: module URL must be a file: URL, got ${module.href}`);
    }
    return module.href;
  }
  if (typeof module === "string") {
    if (module.startsWith("file:")) return new URL(module).href;
    if (isAbsolute(module)) return pathToFileURL(module).href;
    throw new TypeError(
      `runInExecutor: module must be an absolute path or a file: URL (e.g. new URL("./task.mjs", import.meta.url)), got ${JSON.stringify(module)}`,
    );
  }
  throw new TypeError(
    `runInExecutor: task must be a module path/URL or { module, name }, got ${module === null ? "null" : typeof module}`,
  );
}

/** Normalises a task into the message sent to the worker; throws TypeError on bad input. */
function toMessage(task: ExecutorTask, args: unknown[]): TaskMessage {
  if (typeof task === "string" || task instanceof URL) {
    return { module: moduleHref(task), name: "default", args };
  }
  if (task === null || typeof task !== "object") {
    return { module: moduleHref(task), name: "default", args };
  }
  const name = task.name ?? "default";
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`runInExecutor: task.name must be a non-empty string, got ${String(name)}`);
  }
  taskSignal(task);
  return { module: moduleHref(task.module), name, args };
}

/** The task's AbortSignal, if it has one; throws TypeError when `signal` is not one. */
export function taskSignal(task: ExecutorTask): AbortSignal | undefined {
  if (typeof task !== "object" || task === null || task instanceof URL) return undefined;
  const { signal } = task;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("runInExecutor: task.signal must be an AbortSignal");
  }
  return signal;
}

/** Checks a task description now (TypeError naming what was expected), without running it. */
export function checkExecutorTask(task: ExecutorTask): void {
  toMessage(task, []);
}

/**
 * What runs {@link ExecutorTask}s off the loop: the loop's own pool ({@link Executor}) or any
 * object with the same `run` (a shared pool, a pool of processes, an in-process fake for a
 * test) given to `IOLoop.setDefaultExecutor` or `runOnExecutor`.
 */
export interface TaskExecutor {
  /**
   * Runs `task` with `args`; resolves with its result or rejects with its error. When the task
   * carries a `signal`, an abort should reject with `AbortError` and stop the work if it can.
   */
  run<T>(task: ExecutorTask, args: unknown[]): Promise<T>;
}

/**
 * A worker-thread pool (tinypool) created on first use and destroyed by
 * {@link Executor.destroy}: what `runInExecutor` uses unless the loop was given another
 * executor. Create one yourself to share a pool between loops (`setDefaultExecutor`).
 */
export class Executor implements TaskExecutor {
  private pool: Tinypool | null = null;
  private destroyed = false;
  private readonly maxThreads: number | undefined;
  private readonly idleTimeoutMs: number;

  constructor(options: ExecutorOptions = {}) {
    const { maxThreads, idleTimeoutMs = 10_000 } = options;
    if (maxThreads !== undefined && (!Number.isInteger(maxThreads) || maxThreads < 1)) {
      throw new RangeError(`executor.maxThreads must be an integer >= 1, got ${maxThreads}`);
    }
    if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) {
      throw new RangeError(`executor.idleTimeoutMs must be a number >= 0, got ${idleTimeoutMs}`);
    }
    this.maxThreads = maxThreads;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Whether the pool exists (a task was run and the executor is not destroyed). */
  get started(): boolean {
    return this.pool !== null;
  }

  /**
   * Runs `task` with `args` on a worker thread; resolves with its result or rejects with its
   * error, or with `AbortError` when the task's `signal` aborts (see
   * {@link ExecutorTaskObject.signal}).
   */
  run<T>(task: ExecutorTask, args: unknown[]): Promise<T> {
    if (this.destroyed) throw new Error("Executor.run(): the executor was destroyed");
    const message = toMessage(task, args);
    const signal = taskSignal(task);
    if (signal?.aborted) {
      return Promise.reject(new AbortError("runInExecutor()", { cause: signal.reason }));
    }
    if (this.pool === null) {
      this.pool = new Tinypool({
        filename: TRAMPOLINE_URL,
        minThreads: 0,
        ...(this.maxThreads === undefined ? {} : { maxThreads: this.maxThreads }),
        idleTimeout: this.idleTimeoutMs,
      });
    }
    if (signal === undefined) return this.pool.run(message) as Promise<T>;
    // tinypool drops a queued task and terminates the worker of a running one; its own error
    // says neither what was aborted nor why, so it becomes ours with the signal's reason.
    return (this.pool.run(message, { signal }) as Promise<T>).catch((err: unknown) => {
      if (signal.aborted) throw new AbortError("runInExecutor()", { cause: signal.reason });
      throw err;
    });
  }

  /** Terminates the worker threads; pending tasks reject. Idempotent. */
  destroy(): Promise<void> {
    this.destroyed = true;
    const pool = this.pool;
    this.pool = null;
    return pool === null ? Promise.resolve() : pool.destroy();
  }
}
