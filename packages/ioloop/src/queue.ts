// Queue, PriorityQueue, LifoQueue: producer/consumer queues for async code (Tornado's queues).

import { QueueEmptyError, QueueFullError, TaskDoneError } from "./errors.js";
import { checkPrimitiveOptions, Event, type SyncPrimitiveOptions } from "./event.js";
import type { IOLoop } from "./ioloop.js";
import { abortedRejection, checkWaitOptions, WaiterList, type WaitOptions } from "./waiters.js";

/** Options of {@link Queue} and its subclasses. */
export interface QueueOptions extends SyncPrimitiveOptions {
  /**
   * Most items the queue holds; `put()` waits (and `putNowait()` throws) while it is full.
   * 0, the default, means unbounded (Tornado's default): a queue fed from the network should
   * set a bound, or its producers will never be slowed down.
   */
  maxsize?: number;
}

/** Options of {@link PriorityQueue}. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders items, lowest first: negative when `a` comes before `b`. Default
   * {@link compareNatural} (numbers, strings, bigints, and arrays compared element by element,
   * like Python tuples: `[priority, data]`).
   */
  compare?: (a: T, b: T) => number;
}

/** Most leading free slots a FIFO queue keeps before compacting its array. */
const COMPACT_AFTER = 1024;

/**
 * Coordinates producers and consumers (Tornado's `queues.Queue`, like `asyncio.Queue`): items
 * come out in the order they were put. `get()` waits while the queue is empty, `put()` while it
 * is full; both take `{ timeoutMs, signal }`. Every `put` counts as a task: consumers call
 * `taskDone()` when one is processed, and `join()` waits until every task is done.
 *
 * ```ts
 * const q = new Queue<string>({ maxsize: 10 });
 * (async () => { for await (const url of q) { try { await fetchIt(url); } finally { q.taskDone(); } } })();
 * await q.put("/a");
 * await q.join();
 * ```
 *
 * Waiting callers queue first come, first served; one that timed out or aborted leaves at once.
 */
export class Queue<T> implements AsyncIterable<T> {
  private readonly limit: number;
  private readonly getters = new WaiterList<T>();
  private readonly putters = new WaiterList<void, T>();
  private unfinished = 0;
  private readonly finished: Event;
  private readonly loop: IOLoop | null;
  /** FIFO storage: items from `head` on (subclasses use their own). */
  private items: T[] = [];
  private head = 0;

  constructor(options?: QueueOptions) {
    this.loop = checkPrimitiveOptions(options, this.kind);
    const maxsize = options?.maxsize === undefined ? 0 : options.maxsize;
    if (typeof maxsize !== "number") {
      throw new TypeError(`${this.kind}: maxsize must be a number, got ${typeof maxsize}`);
    }
    if (!Number.isInteger(maxsize) || maxsize < 0) {
      throw new RangeError(
        `${this.kind}: maxsize must be an integer >= 0 (0 = unbounded), got ${maxsize}`,
      );
    }
    this.limit = maxsize;
    this.finished = new Event(this.loop === null ? undefined : { loop: this.loop });
    this.finished.set();
  }

  /** Most items allowed in the queue (0 = unbounded). */
  get maxsize(): number {
    return this.limit;
  }

  /** Items in the queue now. */
  qsize(): number {
    return this.items.length - this.head;
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** True when the queue holds `maxsize` items (never for an unbounded queue). */
  full(): boolean {
    return this.limit !== 0 && this.qsize() >= this.limit;
  }

  /** Callers waiting in `get()` now. */
  get pendingGets(): number {
    return this.getters.size;
  }

  /** Callers waiting in `put()` now (their items are not in the queue yet). */
  get pendingPuts(): number {
    return this.putters.size;
  }

  /** Items put and not yet matched by `taskDone()`. */
  get unfinishedTasks(): number {
    return this.unfinished;
  }

  /**
   * Puts `item`, waiting while the queue is full. Rejects with `TimeoutError` after
   * `timeoutMs` (`0`: only if there is room now), `AbortError` when `signal` aborts; the item
   * is then not put.
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    const what = `${this.kind}.put()`;
    const opts = checkWaitOptions(options, what);
    if (opts.signal?.aborted) return abortedRejection(opts.signal, what);
    if (this.offer(item)) return Promise.resolve();
    return this.putters.add(item, opts, what, this.loop);
  }

  /** Puts `item` now, or throws {@link QueueFullError} when the queue is full. */
  putNowait(item: T): void {
    if (!this.offer(item)) {
      throw new QueueFullError(
        `${this.kind}.putNowait(): the queue is full (maxsize ${this.limit})`,
      );
    }
  }

  /**
   * Takes the next item, waiting while the queue is empty. Rejects with `TimeoutError` after
   * `timeoutMs` (`0`: only if an item is there now), `AbortError` when `signal` aborts.
   */
  get(options?: WaitOptions): Promise<T> {
    const what = `${this.kind}.get()`;
    const opts = checkWaitOptions(options, what);
    if (opts.signal?.aborted) return abortedRejection(opts.signal, what);
    if (this.available()) return Promise.resolve(this.take());
    return this.getters.add(undefined, opts, what, this.loop);
  }

  /** Takes the next item now, or throws {@link QueueEmptyError} when there is none. */
  getNowait(): T {
    if (!this.available()) {
      throw new QueueEmptyError(`${this.kind}.getNowait(): the queue is empty`);
    }
    return this.take();
  }

  /**
   * Marks one item taken with `get` as processed; when every item put has been, `join()`
   * resolves. Throws {@link TaskDoneError} when called more times than items were put.
   */
  taskDone(): void {
    if (this.unfinished <= 0) {
      throw new TaskDoneError(
        `${this.kind}.taskDone(): called more times than items were put (no task is unfinished)`,
      );
    }
    this.unfinished--;
    if (this.unfinished === 0) this.finished.set();
  }

  /**
   * Resolves once every item put has been marked done with `taskDone()` (at once when none is
   * unfinished). Rejects with `TimeoutError` after `timeoutMs`, `AbortError` when `signal` aborts.
   */
  join(options?: WaitOptions): Promise<void> {
    return this.finished.wait(options);
  }

  /**
   * Iterates over the items for ever, each step a `get()` (Tornado's `async for`): the loop
   * ends only by `break`/`return`. Each item taken is still a task for `taskDone()`.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this.iterate();
  }

  /**
   * Like `for await (const item of queue)`, each step a `get(options)`: with a `signal` the
   * iteration rejects with `AbortError` once it aborts; with `timeoutMs`, each step waits at
   * most that long (then `TimeoutError`).
   */
  iterate(options?: WaitOptions): AsyncIterableIterator<T> {
    const opts = checkWaitOptions(options, `${this.kind}.iterate()`);
    const iterator: AsyncIterableIterator<T> = {
      next: () => this.get(opts).then((value) => ({ value, done: false })),
      return: (value?: unknown) => Promise.resolve({ value: value as T, done: true }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** `<Queue maxsize=1 size=1 getters[1] putters[2] tasks=3>`; zero counts are left out. */
  toString(): string {
    let out = `<${this.kind} maxsize=${this.limit}`;
    const size = this.qsize();
    if (size > 0) out += ` size=${size}`;
    if (this.getters.size > 0) out += ` getters[${this.getters.size}]`;
    if (this.putters.size > 0) out += ` putters[${this.putters.size}]`;
    if (this.unfinished > 0) out += ` tasks=${this.unfinished}`;
    return `${out}>`;
  }

  // ---- storage: what PriorityQueue and LifoQueue override ----------------------------------

  /** The class's name in messages. */
  protected get kind(): string {
    return "Queue";
  }

  /** Stores an item (FIFO: at the end). */
  protected pushItem(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the next item (FIFO: the oldest); called only when one is stored. */
  protected popItem(): T {
    const items = this.items;
    const item = items[this.head] as T;
    items[this.head] = undefined as T; // let the item be collected
    this.head++;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Puts `item` if it can go now: to a waiting getter, else into storage when not full. */
  private offer(item: T): boolean {
    const getter = this.getters.shift();
    if (getter !== null) {
      // A getter waits only while the queue is empty: the item goes through storage so that
      // the ordering of subclasses (priority, LIFO) and the task count stay right.
      this.store(item);
      getter.resolve(this.popItem());
      return true;
    }
    if (this.full()) return false;
    this.store(item);
    return true;
  }

  /** Whether `take()` can produce an item now. */
  private available(): boolean {
    return this.qsize() > 0 || this.putters.size > 0;
  }

  /** The next item; a waiting putter's item moves into storage first (the queue was full). */
  private take(): T {
    const putter = this.putters.shift();
    if (putter !== null) {
      this.store(putter.value);
      putter.resolve();
    }
    return this.popItem();
  }

  private store(item: T): void {
    this.unfinished++;
    this.finished.clear();
    this.pushItem(item);
  }
}

/**
 * The default order of a {@link PriorityQueue}: numbers, bigints and strings by `<`; arrays
 * element by element (the first difference decides, a shorter prefix comes first), like
 * Python's tuples. Other values compare equal (so they keep the order they were put in).
 */
export function compareNatural(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareNatural(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if ((a as number) < (b as number)) return -1;
  if ((a as number) > (b as number)) return 1;
  return 0;
}

/**
 * A {@link Queue} that hands out the lowest item first (Tornado's `queues.PriorityQueue`), by
 * `compare` (default {@link compareNatural}, so `[priority, data]` pairs work). Items that
 * compare equal come out in the order they were put. A binary heap: O(log n) per put and get.
 *
 * ```ts
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([1, "medium"]); q.putNowait([0, "high"]); q.putNowait([10, "low"]);
 * q.getNowait(); // [0, "high"]
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  private readonly compare: (a: T, b: T) => number;
  private readonly heap: T[] = [];
  /** Insertion numbers parallel to `heap`, breaking ties first-in first-out. */
  private readonly seqs: number[] = [];
  private nextSeq = 0;

  constructor(options?: PriorityQueueOptions<T>) {
    super(options);
    const compare = options?.compare ?? (compareNatural as (a: T, b: T) => number);
    if (typeof compare !== "function") {
      throw new TypeError("PriorityQueue: compare must be a function (a, b) => number");
    }
    this.compare = compare;
  }

  override qsize(): number {
    return this.heap.length;
  }

  protected override get kind(): string {
    return "PriorityQueue";
  }

  protected override pushItem(item: T): void {
    const heap = this.heap;
    const seqs = this.seqs;
    let i = heap.length;
    heap.push(item);
    seqs.push(this.nextSeq++);
    const seq = seqs[i] as number;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, seq, heap[parent] as T, seqs[parent] as number)) break;
      heap[i] = heap[parent] as T;
      seqs[i] = seqs[parent] as number;
      i = parent;
    }
    heap[i] = item;
    seqs[i] = seq;
  }

  protected override popItem(): T {
    const heap = this.heap;
    const seqs = this.seqs;
    const top = heap[0] as T;
    const last = heap.pop() as T;
    const lastSeq = seqs.pop() as number;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child =
          right < n &&
          this.before(
            heap[right] as T,
            seqs[right] as number,
            heap[left] as T,
            seqs[left] as number,
          )
            ? right
            : left;
        if (!this.before(heap[child] as T, seqs[child] as number, last, lastSeq)) break;
        heap[i] = heap[child] as T;
        seqs[i] = seqs[child] as number;
        i = child;
      }
      heap[i] = last;
      seqs[i] = lastSeq;
    }
    return top;
  }

  private before(a: T, seqA: number, b: T, seqB: number): boolean {
    const c = this.compare(a, b);
    return c < 0 || (c === 0 && seqA < seqB);
  }
}

/**
 * A {@link Queue} that hands out the most recently put item first (Tornado's
 * `queues.LifoQueue`).
 */
export class LifoQueue<T> extends Queue<T> {
  private readonly stack: T[] = [];

  override qsize(): number {
    return this.stack.length;
  }

  protected override get kind(): string {
    return "LifoQueue";
  }

  protected override pushItem(item: T): void {
    this.stack.push(item);
  }

  protected override popItem(): T {
    return this.stack.pop() as T;
  }
}
