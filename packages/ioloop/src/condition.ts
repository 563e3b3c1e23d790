// Condition: callers wait until another notifies them (Tornado's locks.Condition).

import { checkPrimitiveOptions, type SyncPrimitiveOptions } from "./event.js";
import type { IOLoop } from "./ioloop.js";
import { checkWaitOptions, type TimeoutOutcome, WaiterList, type WaitOptions } from "./waiters.js";

const FALSE_ON_TIMEOUT: TimeoutOutcome<boolean> = Object.freeze({
  reject: false as const,
  value: false,
});

/**
 * A condition lets callers wait until notified (Tornado's `locks.Condition`). Unlike a
 * threading condition it needs no lock: everything runs on one thread.
 *
 * ```ts
 * const changed = new Condition();
 * const woken = changed.wait({ timeoutMs: 5000 }); // resolves true, or false on timeout
 * changed.notify();
 * ```
 */
export class Condition {
  private readonly waiters = new WaiterList<boolean>();
  private readonly loop: IOLoop | null;

  constructor(options?: SyncPrimitiveOptions) {
    this.loop = checkPrimitiveOptions(options, "Condition");
  }

  /**
   * Waits for a `notify`. Resolves `true` when notified, `false` once `timeoutMs` has passed
   * (Tornado's contract); rejects with `AbortError` when `signal` aborts. A waiter that timed
   * out or aborted leaves the condition at once and does not count against `notify(n)`.
   */
  wait(options?: WaitOptions): Promise<boolean> {
    const opts = checkWaitOptions(options, "Condition.wait()");
    return this.waiters.add(undefined, opts, "Condition.wait()", this.loop, FALSE_ON_TIMEOUT);
  }

  /** Wakes up to `n` waiters (default 1), longest-waiting first. */
  notify(n = 1): void {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new RangeError(`Condition.notify(n): n must be an integer >= 0, got ${String(n)}`);
    }
    // Waiters are taken out before any is resolved, so a waiter's continuation calling
    // notify() again (it runs later, as a microtask) wakes the next ones, never the same.
    for (let i = 0; i < n; i++) {
      const w = this.waiters.shift();
      if (w === null) break;
      w.resolve(true);
    }
  }

  /** Wakes every waiter. */
  notifyAll(): void {
    this.notify(this.waiters.size);
  }

  /** Callers waiting now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** `<Condition>`, with `waiters[n]` when some wait. */
  toString(): string {
    const n = this.waiters.size;
    return n > 0 ? `<Condition waiters[${n}]>` : "<Condition>";
  }
}
