// Event: a flag that callers can wait on until it is set (Tornado's locks.Event).

import type { IOLoop } from "./ioloop.js";
import { abortedRejection, checkWaitOptions, WaiterList, type WaitOptions } from "./waiters.js";

/** Options of {@link Event}, {@link Condition}, the semaphores, {@link Lock} and the queues. */
export interface SyncPrimitiveOptions {
  /**
   * The loop whose timers bound `timeoutMs` waits. Default: `IOLoop.current()` when the timed
   * wait starts (Tornado's rule) — pass the loop when waits start from code resumed after an
   * `await` outside any loop dispatch and no loop was made current.
   */
  loop?: IOLoop;
}

/** Checks the constructor options shared by the locks and queues. */
export function checkPrimitiveOptions(options: unknown, what: string): IOLoop | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${what}: options must be an object`);
  }
  const loop = (options as SyncPrimitiveOptions).loop;
  if (loop === undefined) return null;
  if (loop === null || typeof loop !== "object" || typeof loop.callLater !== "function") {
    throw new TypeError(`${what}: options.loop must be an IOLoop`);
  }
  return loop;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * An event blocks callers until its internal flag is set (Tornado's `locks.Event`, like
 * `asyncio.Event`). `set()` wakes every waiter; `clear()` makes later `wait()`s block again.
 *
 * ```ts
 * const ready = new Event();
 * setTimeout(() => ready.set(), 10);
 * await ready.wait({ timeoutMs: 1000 }); // or rejects with TimeoutError
 * ```
 */
export class Event {
  private flag = false;
  private readonly waiters = new WaiterList<void>();
  private readonly loop: IOLoop | null;

  constructor(options?: SyncPrimitiveOptions) {
    this.loop = checkPrimitiveOptions(options, "Event");
  }

  /** True once `set()` was called (and not `clear()`ed since). */
  isSet(): boolean {
    return this.flag;
  }

  /** Sets the flag and wakes every waiter, in the order they started waiting. */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    for (let w = this.waiters.shift(); w !== null; w = this.waiters.shift()) w.resolve();
  }

  /** Resets the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.flag = false;
  }

  /**
   * Resolves once the flag is set (at once if it is). Rejects with `TimeoutError` after
   * `timeoutMs`, or `AbortError` when `signal` aborts; the waiter then leaves the event.
   */
  wait(options?: WaitOptions): Promise<void> {
    const opts = checkWaitOptions(options, "Event.wait()");
    if (opts.signal?.aborted) return abortedRejection(opts.signal, "Event.wait()");
    if (this.flag) return RESOLVED;
    return this.waiters.add(undefined, opts, "Event.wait()", this.loop);
  }

  /** Callers waiting now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** `<Event set>` or `<Event clear>`, with `waiters[n]` when some wait. */
  toString(): string {
    const n = this.waiters.size;
    return `<Event ${this.flag ? "set" : "clear"}${n > 0 ? ` waiters[${n}]` : ""}>`;
  }
}
