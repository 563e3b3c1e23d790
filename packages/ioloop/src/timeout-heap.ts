// A binary min-heap of timeouts keyed by (deadline, insertion sequence), with lazy deletion.

import type { AsyncResource } from "node:async_hooks";

/** A function a timeout or callback runs; its return value is inspected for a rejected promise. */
// biome-ignore lint/suspicious/noExplicitAny: callbacks take any argument list
export type AnyCallback = (...args: any[]) => unknown;

/** The timeout is in the heap and will run. */
export const TIMEOUT_PENDING = 0;
/** The timeout was taken out of the heap because its deadline passed; it is about to run. */
export const TIMEOUT_DUE = 1;
/** The timeout was removed before it ran (it may still sit in the heap until popped). */
export const TIMEOUT_CANCELLED = 2;
/** The timeout ran. */
export const TIMEOUT_DONE = 3;

/**
 * One scheduled timeout. This object is also the opaque `TimeoutHandle` given to users; every
 * field is set in the constructor so that all entries share one hidden class.
 */
export class TimeoutEntry {
  /** Deadline on the owning loop's clock, in milliseconds. */
  readonly deadline: number;
  /** Insertion order; breaks ties between equal deadlines (first added runs first). */
  readonly seq: number;
  /** The function to run; `null` once cancelled or run so that its closure can be collected. */
  callback: AnyCallback | null;
  /** Arguments for `callback` (the rest array the caller created, stored as is). */
  args: unknown[] | null;
  /** The async context `callback` runs in (the scheduler's); `null` once run or cancelled. */
  scope: AsyncResource | null;
  /** One of TIMEOUT_PENDING, TIMEOUT_DUE, TIMEOUT_CANCELLED, TIMEOUT_DONE. */
  state: number;
  /** The heap this entry was pushed into (a handle of another loop is ignored on removal). */
  readonly owner: TimeoutHeap;

  constructor(
    owner: TimeoutHeap,
    deadline: number,
    seq: number,
    callback: AnyCallback,
    args: unknown[],
    scope: AsyncResource | null,
  ) {
    this.deadline = deadline;
    this.seq = seq;
    this.callback = callback;
    this.args = args;
    this.scope = scope;
    this.state = TIMEOUT_PENDING;
    this.owner = owner;
  }
}

/** Options of {@link TimeoutHeap}. */
export interface TimeoutHeapOptions {
  /** Cancelled entries tolerated before a compaction is considered; default 512 (Tornado's). */
  compactThreshold?: number;
}

/**
 * Min-heap of {@link TimeoutEntry} ordered by deadline, then insertion sequence. Cancelling is
 * O(1): the entry is flagged and skipped when it reaches the top. When cancelled entries exceed
 * both `compactThreshold` and half of the heap, the heap is rebuilt without them in O(n), so
 * memory stays bounded under heavy add/cancel churn (Tornado 4.5 `ioloop.py` does the same).
 */
export class TimeoutHeap {
  /** The entries in heap order. */
  private readonly items: TimeoutEntry[] = [];
  /**
   * `keys[2*i]` and `keys[2*i+1]` mirror the deadline and sequence of `items[i]`, so that sifting
   * compares numbers in one contiguous array instead of dereferencing entries.
   */
  private keys = new Float64Array(128);
  private nextSeq = 0;
  private cancelled = 0;
  private compactions = 0;
  private readonly compactThreshold: number;

  constructor(options: TimeoutHeapOptions = {}) {
    const threshold = options.compactThreshold ?? 512;
    if (!Number.isInteger(threshold) || threshold < 0) {
      throw new RangeError(`compactThreshold must be an integer >= 0, got ${threshold}`);
    }
    this.compactThreshold = threshold;
  }

  /** Entries in the heap, including cancelled ones not yet dropped. */
  get size(): number {
    return this.items.length;
  }

  /** Entries in the heap that will still run. */
  get liveCount(): number {
    return this.items.length - this.cancelled;
  }

  /** Cancelled entries still occupying heap slots. */
  get cancelledCount(): number {
    return this.cancelled;
  }

  /** How many times the heap was rebuilt to drop cancelled entries (for tests and metrics). */
  get compactionCount(): number {
    return this.compactions;
  }

  /** Creates an entry for `callback(...args)` at `deadline` and inserts it. */
  add(
    deadline: number,
    callback: AnyCallback,
    args: unknown[],
    scope: AsyncResource | null = null,
  ): TimeoutEntry {
    const entry = new TimeoutEntry(this, deadline, this.nextSeq++, callback, args, scope);
    this.insert(entry);
    return entry;
  }

  /** Puts back a due entry that did not run (the loop stopped); it keeps its place in order. */
  reinsert(entry: TimeoutEntry): void {
    if (entry.owner !== this || entry.state !== TIMEOUT_DUE) return;
    entry.state = TIMEOUT_PENDING;
    this.insert(entry);
  }

  /**
   * Cancels `entry` if it belongs to this heap and has not run. Returns true when it was
   * pending or due (and so will now not run). Safe on fired, cancelled and foreign entries.
   */
  cancel(entry: TimeoutEntry): boolean {
    if (entry.owner !== this) return false;
    const state = entry.state;
    if (state === TIMEOUT_PENDING) {
      entry.state = TIMEOUT_CANCELLED;
      entry.callback = null;
      entry.args = null;
      entry.scope = null;
      this.cancelled++;
      if (this.cancelled > this.compactThreshold && this.cancelled > this.items.length >> 1) {
        this.compact();
      }
      return true;
    }
    if (state === TIMEOUT_DUE) {
      // Already out of the heap, waiting in the due list of the current iteration.
      entry.state = TIMEOUT_CANCELLED;
      entry.callback = null;
      entry.args = null;
      entry.scope = null;
      return true;
    }
    return false;
  }

  /** Deadline of the earliest live entry, or `Infinity` when none; drops cancelled tops. */
  peekDeadline(): number {
    const items = this.items;
    while (items.length > 0) {
      const top = items[0] as TimeoutEntry;
      if (top.state !== TIMEOUT_CANCELLED) return this.keys[0] as number;
      this.removeTop();
      this.cancelled--;
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Moves every live entry whose deadline is `<= nowMs` into `out` (in firing order), marking
   * them due. Returns how many were appended. Cancelled entries met on the way are dropped.
   */
  takeDue(nowMs: number, out: TimeoutEntry[]): number {
    const items = this.items;
    const keys = this.keys;
    let n = 0;
    while (items.length > 0) {
      const top = items[0] as TimeoutEntry;
      if (top.state === TIMEOUT_CANCELLED) {
        this.removeTop();
        this.cancelled--;
        continue;
      }
      if ((keys[0] as number) > nowMs) break;
      this.removeTop();
      top.state = TIMEOUT_DUE;
      out.push(top);
      n++;
    }
    return n;
  }

  /** Removes every entry; they will not run. */
  clear(): void {
    for (const entry of this.items) {
      entry.state = TIMEOUT_CANCELLED;
      entry.callback = null;
      entry.args = null;
      entry.scope = null;
    }
    this.items.length = 0;
    this.cancelled = 0;
  }

  /** Rebuilds the heap without cancelled entries (O(n) heapify). */
  compact(): void {
    const items = this.items;
    this.compactions++;
    if (this.cancelled === items.length) {
      items.length = 0; // nothing live: skip the scan
      this.cancelled = 0;
      return;
    }
    const keys = this.keys;
    let w = 0;
    for (let r = 0; r < items.length; r++) {
      const entry = items[r] as TimeoutEntry;
      if (entry.state !== TIMEOUT_CANCELLED) {
        items[w] = entry;
        keys[2 * w] = keys[2 * r] as number;
        keys[2 * w + 1] = keys[2 * r + 1] as number;
        w++;
      }
    }
    items.length = w;
    this.cancelled = 0;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private insert(entry: TimeoutEntry): void {
    const items = this.items;
    const index = items.length;
    if (2 * index + 2 > this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    items.push(entry);
    this.siftUp(index, entry, entry.deadline, entry.seq);
  }

  private removeTop(): void {
    const items = this.items;
    const last = items.pop() as TimeoutEntry;
    const n = items.length;
    if (n > 0) {
      const keys = this.keys;
      const deadline = keys[2 * n] as number;
      const seq = keys[2 * n + 1] as number;
      items[0] = last;
      keys[0] = deadline;
      keys[1] = seq;
      this.siftDown(0);
    }
  }

  /** Moves the hole at `index` up until (deadline, seq) fits, then stores `entry` there. */
  private siftUp(index: number, entry: TimeoutEntry, deadline: number, seq: number): void {
    const items = this.items;
    const keys = this.keys;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = keys[2 * parent] as number;
      if (pd < deadline || (pd === deadline && (keys[2 * parent + 1] as number) < seq)) break;
      items[i] = items[parent] as TimeoutEntry;
      keys[2 * i] = pd;
      keys[2 * i + 1] = keys[2 * parent + 1] as number;
      i = parent;
    }
    items[i] = entry;
    keys[2 * i] = deadline;
    keys[2 * i + 1] = seq;
  }

  private siftDown(index: number): void {
    const items = this.items;
    const keys = this.keys;
    const length = items.length;
    const entry = items[index] as TimeoutEntry;
    const deadline = keys[2 * index] as number;
    const seq = keys[2 * index + 1] as number;
    let i = index;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= length) break;
      let cd = keys[2 * child] as number;
      let cs = keys[2 * child + 1] as number;
      const right = child + 1;
      if (right < length) {
        const rd = keys[2 * right] as number;
        const rs = keys[2 * right + 1] as number;
        if (rd < cd || (rd === cd && rs < cs)) {
          child = right;
          cd = rd;
          cs = rs;
        }
      }
      if (deadline < cd || (deadline === cd && seq < cs)) break;
      items[i] = items[child] as TimeoutEntry;
      keys[2 * i] = cd;
      keys[2 * i + 1] = cs;
      i = child;
    }
    items[i] = entry;
    keys[2 * i] = deadline;
    keys[2 * i + 1] = seq;
  }
}
