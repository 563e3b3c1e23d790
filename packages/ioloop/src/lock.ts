// Lock: mutual exclusion for async code on one loop (Tornado's locks.Lock).

import { TooManyReleasesError } from "./errors.js";
import type { SyncPrimitiveOptions } from "./event.js";
import { BoundedSemaphore, type Release } from "./semaphore.js";
import type { WaitOptions } from "./waiters.js";

/** The lock's counter: a BoundedSemaphore(1) whose messages say "Lock". */
class LockSemaphore extends BoundedSemaphore {
  protected override get kind(): string {
    return "Lock";
  }
}

/**
 * A lock for coroutines (Tornado's `locks.Lock`): one holder at a time, the others wait in
 * first-come, first-served order. `acquire()` resolves with a {@link Release} function;
 * `run(fn)` holds the lock while `fn` runs.
 *
 * ```ts
 * const lock = new Lock();
 * await lock.run(async () => { await updateSharedState(); });
 * ```
 */
export class Lock {
  private readonly block: LockSemaphore;

  constructor(options?: SyncPrimitiveOptions) {
    this.block = new LockSemaphore(1, options);
  }

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.block.value === 0;
  }

  /** Callers waiting for the lock now. */
  get waiting(): number {
    return this.block.waiting;
  }

  /**
   * Waits for the lock and resolves with a {@link Release} function. Rejects with
   * `TimeoutError` after `timeoutMs`, `AbortError` when `signal` aborts (the lock is then not
   * held by this caller).
   */
  acquire(options?: WaitOptions): Promise<Release> {
    return this.block.acquire(options);
  }

  /** The lock's release function if it is free now, else null. */
  tryAcquire(): Release | null {
    return this.block.tryAcquire();
  }

  /**
   * Unlocks: the longest-waiting caller gets the lock. Throws {@link TooManyReleasesError} if
   * the lock is not held (Tornado's RuntimeError).
   */
  release(): void {
    if (!this.locked) {
      throw new TooManyReleasesError("Lock.release(): the lock is not held");
    }
    this.block.release();
  }

  /** Holds the lock while `fn` runs (acquired with `options`); resolves or rejects like `fn`. */
  run<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    return this.block.run(fn, options);
  }

  /** `<Lock [unlocked]>` or `<Lock [locked,waiters:1]>`. */
  toString(): string {
    const n = this.block.waiting;
    return `<Lock [${this.locked ? "locked" : "unlocked"}${n > 0 ? `,waiters:${n}` : ""}]>`;
  }
}
