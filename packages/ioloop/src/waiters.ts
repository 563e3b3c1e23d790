// WaiterList: the FIFO of callers parked in a lock, event, condition or queue, with timeouts and aborts.

import { AbortError, TimeoutError } from "./errors.js";
import { IOLoop, type TimeoutHandle } from "./ioloop.js";

/** Options of every call that may wait (`acquire`, `wait`, `get`, `put`, `join`). */
export interface WaitOptions {
  /**
   * Give up after this many milliseconds, on the loop's timers: the call rejects with
   * `TimeoutError` (`Condition.wait` resolves `false`). `0` means "only if it can be done now".
   * Default: wait as long as it takes.
   */
  timeoutMs?: number;
  /** Give up when this signal aborts: the call rejects with `AbortError` (`cause`: the reason). */
  signal?: AbortSignal;
}

/** Checks a {@link WaitOptions} argument; throws TypeError/RangeError naming `what`. */
export function checkWaitOptions(options: unknown, what: string): WaitOptions {
  if (options === undefined) return EMPTY_OPTIONS;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${what}: options must be an object ({ timeoutMs?, signal? })`);
  }
  const { timeoutMs, signal } = options as WaitOptions;
  if (timeoutMs !== undefined) {
    if (typeof timeoutMs !== "number") {
      throw new TypeError(`${what}: timeoutMs must be a number, got ${typeof timeoutMs}`);
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`${what}: timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
    }
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal`);
  }
  return options as WaitOptions;
}

const EMPTY_OPTIONS: WaitOptions = Object.freeze({});

/** The rejection of a call whose signal had already aborted. */
export function abortedRejection(signal: AbortSignal, what: string): Promise<never> {
  return Promise.reject(new AbortError(what, { cause: signal.reason }));
}

/**
 * One parked caller: a node of a {@link WaiterList}. `value` is what the caller brought (the
 * item of a blocked `Queue.put`).
 */
export class Waiter<T, V = undefined> {
  prev: Waiter<T, V> | null = null;
  next: Waiter<T, V> | null = null;
  /** The list holding this waiter; null once it left (settled, timed out or aborted). */
  list: WaiterList<T, V> | null = null;
  readonly value: V;
  private resolveFn: (result: T) => void = noop;
  private rejectFn: (err: unknown) => void = noop;
  timer: TimeoutHandle | null = null;
  loop: IOLoop | null = null;
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;

  constructor(value: V) {
    this.value = value;
  }

  /** Wires the promise's settle functions (called from the Promise executor). */
  bind(resolve: (result: T) => void, reject: (err: unknown) => void): void {
    this.resolveFn = resolve;
    this.rejectFn = reject;
  }

  /** Settles the caller with `result` (the waiter must already be out of its list). */
  resolve(result: T): void {
    const fn = this.resolveFn;
    this.resolveFn = noop;
    this.rejectFn = noop;
    fn(result);
  }

  /** Rejects the caller (the waiter must already be out of its list). */
  reject(err: unknown): void {
    const fn = this.rejectFn;
    this.resolveFn = noop;
    this.rejectFn = noop;
    fn(err);
  }
}

function noop(): void {}

/**
 * What a timed-out waiter gets: `{ reject: true }` rejects it with a `TimeoutError`,
 * `{ reject: false, value }` resolves it with `value` (Condition's `false`).
 */
export type TimeoutOutcome<T> = { reject: true } | { reject: false; value: T };

const REJECT_ON_TIMEOUT: TimeoutOutcome<never> = Object.freeze({ reject: true as const });

/**
 * A FIFO of parked callers as a doubly linked list, so that a caller leaving early (timeout,
 * abort) is unlinked in O(1) at that moment — the list only ever holds live waiters, and its
 * length is the number of callers waiting right now (it grows with callers, never with time).
 * Settling a waiter clears its timer and abort listener first, so a caller is settled once.
 */
export class WaiterList<T, V = undefined> {
  private head: Waiter<T, V> | null = null;
  private tail: Waiter<T, V> | null = null;
  private count = 0;

  /** Callers waiting now. */
  get size(): number {
    return this.count;
  }

  /**
   * Parks a caller until {@link shift} hands it a result, its `timeoutMs` runs out on `loop`'s
   * timers, or its signal aborts. `what` names the call in errors ("Lock.acquire()").
   * With `timeoutMs: 0` nothing is parked: the timeout outcome happens at once.
   */
  add(
    value: V,
    options: WaitOptions,
    what: string,
    loop: IOLoop | null,
    onTimeout: TimeoutOutcome<T> = REJECT_ON_TIMEOUT,
  ): Promise<T> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return abortedRejection(signal, what);
    if (timeoutMs === 0) {
      return onTimeout.reject
        ? Promise.reject(new TimeoutError(`${what} timed out after 0 ms`))
        : Promise.resolve(onTimeout.value);
    }
    const waiter = new Waiter<T, V>(value);
    const promise = new Promise<T>((resolve, reject) => waiter.bind(resolve, reject));
    if (timeoutMs !== undefined) {
      const timerLoop = loop ?? IOLoop.current();
      // Armed before linking: a closed loop throws here and nothing is left parked.
      waiter.timer = timerLoop.callLater(timeoutMs, () => {
        waiter.timer = null;
        if (waiter.list !== this) return;
        this.remove(waiter);
        if (onTimeout.reject) {
          waiter.reject(new TimeoutError(`${what} timed out after ${timeoutMs} ms`));
        } else {
          waiter.resolve(onTimeout.value);
        }
      });
      waiter.loop = timerLoop;
    }
    if (signal !== undefined) {
      const onAbort = () => {
        if (waiter.list !== this) return;
        this.remove(waiter);
        waiter.reject(new AbortError(what, { cause: signal.reason }));
      };
      waiter.signal = signal;
      waiter.onAbort = onAbort;
      signal.addEventListener("abort", onAbort, { once: true });
    }
    this.link(waiter);
    return promise;
  }

  /** Takes the longest-waiting caller out (timer and abort listener released), or null. */
  shift(): Waiter<T, V> | null {
    const waiter = this.head;
    if (waiter !== null) this.remove(waiter);
    return waiter;
  }

  /** The longest-waiting caller, left in place. */
  peek(): Waiter<T, V> | null {
    return this.head;
  }

  /** Unlinks `waiter` and releases its timer and abort listener. */
  remove(waiter: Waiter<T, V>): void {
    if (waiter.list !== this) return;
    const { prev, next } = waiter;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    waiter.prev = null;
    waiter.next = null;
    waiter.list = null;
    this.count--;
    if (waiter.timer !== null) {
      (waiter.loop as IOLoop).removeTimeout(waiter.timer);
      waiter.timer = null;
    }
    waiter.loop = null;
    if (waiter.onAbort !== null) {
      (waiter.signal as AbortSignal).removeEventListener("abort", waiter.onAbort);
      waiter.onAbort = null;
      waiter.signal = null;
    }
  }

  private link(waiter: Waiter<T, V>): void {
    waiter.list = this;
    waiter.prev = this.tail;
    if (this.tail === null) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.count++;
  }
}
