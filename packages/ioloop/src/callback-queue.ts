// The loop's callback queue: two swapping flat arrays so that callbacks added during a drain wait.

import type { AsyncResource } from "node:async_hooks";
import type { AnyCallback } from "./timeout-heap.js";

/**
 * FIFO of `(callback, args, scope)` triples stored flat (`[fn, args, scope, fn, …]`) so that
 * queuing allocates nothing beyond the caller's rest-argument array and the async scope. A drain works on one array while
 * new callbacks go to the other, so callbacks added during a drain run in the next iteration
 * (Tornado's `ncallbacks = len(self._callbacks)` rule): a callback that re-adds itself cannot
 * starve I/O. A drain may stop half way (the loop was stopped); the rest runs first next time.
 */
export class CallbackQueue {
  private incoming: unknown[] = [];
  private draining: unknown[] = [];
  private pos = 0;
  /** Arguments of the callback last returned by {@link next}. */
  args: unknown[] = [];
  /** Async context (the scheduler's) of the callback last returned by {@link next}. */
  scope: AsyncResource | null = null;

  /** Callbacks waiting, both in the array being drained and in the incoming one. */
  get size(): number {
    return (this.incoming.length + this.draining.length - this.pos) / 3;
  }

  /**
   * Queues `callback(...args)` to run in `scope` (null: no context was observable when it was
   * queued); returns true when the queue was empty before.
   */
  push(callback: AnyCallback, args: unknown[], scope: AsyncResource | null): boolean {
    const wasEmpty = this.incoming.length === 0 && this.pos >= this.draining.length;
    this.incoming.push(callback, args, scope);
    return wasEmpty;
  }

  /**
   * Starts a drain: unless the previous drain was interrupted, the callbacks queued so far
   * become the batch that {@link next} walks. Returns the number of callbacks in the batch.
   */
  beginDrain(): number {
    if (this.pos >= this.draining.length) {
      const done = this.draining;
      done.length = 0;
      this.pos = 0;
      this.draining = this.incoming;
      this.incoming = done;
    }
    return (this.draining.length - this.pos) / 3;
  }

  /**
   * Next callback of the current drain (its arguments in {@link args}), or `undefined` when the
   * batch is exhausted. Callbacks queued since {@link beginDrain} are not returned.
   */
  next(): AnyCallback | undefined {
    const draining = this.draining;
    const pos = this.pos;
    if (pos >= draining.length) return undefined;
    const callback = draining[pos] as AnyCallback;
    this.args = draining[pos + 1] as unknown[];
    this.scope = draining[pos + 2] as AsyncResource | null;
    draining[pos] = undefined;
    draining[pos + 1] = undefined;
    draining[pos + 2] = undefined;
    this.pos = pos + 3;
    return callback;
  }

  /** Drops every queued callback. */
  clear(): void {
    this.incoming.length = 0;
    this.draining.length = 0;
    this.pos = 0;
    this.args = [];
    this.scope = null;
  }
}
