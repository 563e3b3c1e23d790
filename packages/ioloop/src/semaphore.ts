// Semaphore and BoundedSemaphore: a counter that callers acquire and release (Tornado's locks).

import { TooManyReleasesError } from "./errors.js";
import { checkPrimitiveOptions, type SyncPrimitiveOptions } from "./event.js";
import type { IOLoop } from "./ioloop.js";
import { abortedRejection, checkWaitOptions, WaiterList, type WaitOptions } from "./waiters.js";

/**
 * What `acquire()` resolves with: call it once to release what was acquired. Calling it again
 * does nothing, so a `finally` and an early release cannot release twice.
 */
export type Release = () => void;

/**
 * A semaphore: `acquire()` takes one unit of a counter, waiting while it is 0; `release()`
 * gives one back (Tornado's `locks.Semaphore`). Waiters are served first come, first served:
 * a release hands the unit straight to the longest-waiting caller.
 *
 * Two idioms, neither needing `using`:
 *
 * ```ts
 * const sem = new Semaphore(2);
 * const release = await sem.acquire({ timeoutMs: 1000 });
 * try { await work(); } finally { release(); }
 *
 * const result = await sem.run(() => work()); // acquire, run, release
 * ```
 */
export class Semaphore {
  /** Units available now. */
  protected count: number;
  private readonly waiters = new WaiterList<Release>();
  private readonly loop: IOLoop | null;

  /** `value` (default 1) is the initial counter, an integer >= 0. */
  constructor(value = 1, options?: SyncPrimitiveOptions) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new RangeError(`${this.kind}: value must be an integer >= 0, got ${String(value)}`);
    }
    this.loop = checkPrimitiveOptions(options, this.kind);
    this.count = value;
  }

  /** The class's name in messages ("Semaphore.acquire() timed out…"). */
  protected get kind(): string {
    return "Semaphore";
  }

  /** Units available now (0 while callers wait). */
  get value(): number {
    return this.count;
  }

  /** Callers waiting now (each left at once when its timeout or signal fired). */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Takes one unit, waiting for a `release()` while there is none. Resolves with a
   * {@link Release} function; rejects with `TimeoutError` after `timeoutMs` or `AbortError`
   * when `signal` aborts (nothing is then held).
   */
  acquire(options?: WaitOptions): Promise<Release> {
    const what = `${this.kind}.acquire()`;
    const opts = checkWaitOptions(options, what);
    if (opts.signal?.aborted) return abortedRejection(opts.signal, what);
    if (this.count > 0) {
      this.count--;
      return Promise.resolve(this.releaser());
    }
    return this.waiters.add(undefined, opts, what, this.loop);
  }

  /**
   * Takes one unit if one is free now: a {@link Release} function, or null (Python's
   * `acquire(blocking=False)`).
   */
  tryAcquire(): Release | null {
    if (this.count === 0) return null;
    this.count--;
    return this.releaser();
  }

  /**
   * Gives one unit back: to the longest-waiting caller if any, else to the counter. Prefer the
   * {@link Release} function `acquire()` returned, which cannot release twice.
   */
  release(): void {
    const next = this.waiters.shift();
    if (next !== null) next.resolve(this.releaser());
    else this.count++;
  }

  /**
   * Acquires (with `options`), runs `fn`, and releases when what it returned settles; resolves
   * or rejects like `fn`. The unit is released even when `fn` throws.
   */
  async run<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(`${this.kind}.run(fn): fn must be a function`);
    }
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** `<Semaphore [unlocked,value:1]>` or `<Semaphore [locked,waiters:2]>`. */
  toString(): string {
    const n = this.waiters.size;
    const state = this.count === 0 ? "locked" : `unlocked,value:${this.count}`;
    return `<${this.kind} [${state}${n > 0 ? `,waiters:${n}` : ""}]>`;
  }

  /** A release function bound to this acquisition. */
  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }
}

/**
 * A semaphore that refuses to be released above its initial value (Tornado's
 * `locks.BoundedSemaphore`): such a release throws {@link TooManyReleasesError}, catching a
 * release without a matching acquire.
 */
export class BoundedSemaphore extends Semaphore {
  /** The initial (and highest) value. */
  readonly initialValue: number;

  constructor(value = 1, options?: SyncPrimitiveOptions) {
    super(value, options);
    this.initialValue = value;
  }

  protected override get kind(): string {
    return "BoundedSemaphore";
  }

  /** Like `Semaphore.release`, but throws {@link TooManyReleasesError} above the initial value. */
  override release(): void {
    if (this.count >= this.initialValue) {
      throw new TooManyReleasesError(
        `${this.kind}.release(): released more times than acquired (value is already the initial ${this.initialValue})`,
      );
    }
    super.release();
  }
}
