// ConnectionSweeper: one coarse periodic sweep that enforces the deadlines of many connections or calls.

import { type IOLoop, PeriodicCallback } from "@t/ioloop";

/** Something with deadlines (a connection, an exchange, a call), checked once per sweep. */
export interface Sweepable {
  /** Called once per sweep with the loop's time (ms); acts on any deadline that has passed. */
  sweep(nowMs: number): void;
  /**
   * The sweeper's bookkeeping: the item's position in the sweeper that tracks it, -1 when none.
   * Optional; a class whose instances come and go often (one per request) should initialise it
   * to -1 in its constructor so that every instance has the same shape. Never set it yourself;
   * an item is tracked by at most one sweeper at a time.
   */
  sweepSlot?: number;
}

/**
 * Sweeps a set of connections every `intervalMs` with one `PeriodicCallback` — no timer per
 * connection or per call (uSockets' timeout sweep in `loop.c`, undici's fast timers). Every
 * protocol on the core uses it: HTTP/1 server and client connections, WebSocket pings, RPC
 * call deadlines. Items stamp the start of a phase with {@link ConnectionSweeper.stamp}, a coarse
 * clock that reads "the next sweep's time", so a deadline never fires early and fires at most one
 * interval late.
 *
 * The sweep runs while anything is tracked: `add` starts it, and it stops itself at the first
 * sweep that finds nothing tracked (so one-at-a-time traffic does not start and stop a timer per
 * connection), or at {@link ConnectionSweeper.stop}.
 *
 * Items live in an array, each knowing its slot (`sweepSlot`): `add` and `delete` are O(1) and
 * allocate nothing, and a deleted item is no longer referenced. A `Set` here made V8 promote
 * every short-lived item (an HTTP client's exchange per request) out of the young generation,
 * because its add/delete churn rehashes tables that stay linked to their successors; that
 * cost about 6 000 instructions per request in GC.
 */
export class ConnectionSweeper<T extends Sweepable = Sweepable> {
  /** Coarse time for phase stamps: the time of the next sweep (ms, loop clock). */
  stamp: number;
  /** The tracked items, in no particular order (slot i holds the item whose `sweepSlot` is i). */
  private readonly items: T[] = [];
  private interval: number;
  /** The interval given to the constructor: a sweep that stops goes back to it. */
  private readonly baseInterval: number;
  private periodic: PeriodicCallback | null = null;
  private readonly onSweep: () => void;

  /**
   * @param loop The loop whose clock and timers drive the sweep.
   * @param intervalMs Milliseconds between sweeps (> 0); see {@link sweepIntervalFor}.
   */
  constructor(
    readonly loop: IOLoop,
    intervalMs: number,
  ) {
    checkInterval(intervalMs);
    this.interval = intervalMs;
    this.baseInterval = intervalMs;
    this.stamp = loop.time() + intervalMs;
    this.onSweep = () => this.sweep();
  }

  /** Milliseconds between sweeps. */
  get intervalMs(): number {
    return this.interval;
  }

  /** The tracked items, as a snapshot (a new Set each call: O(n)). */
  get connections(): ReadonlySet<T> {
    return new Set(this.items);
  }

  /** True when `item` is tracked by this sweeper. */
  has(item: T): boolean {
    return this.slotOf(item) !== -1;
  }

  /**
   * Track an item (starts the sweep if it is not running); tracking it again changes nothing.
   * Throws a TypeError when another sweeper tracks it.
   */
  add(item: T): void {
    if (this.slotOf(item) === -1) {
      const slot = item.sweepSlot;
      if (slot !== undefined && slot !== -1) {
        throw new TypeError(
          `expected an item no other ConnectionSweeper tracks (its sweepSlot is ${slot}); delete it there first`,
        );
      }
      item.sweepSlot = this.items.length;
      this.items.push(item);
    }
    if (this.periodic === null) {
      // A fresh stamp: a stale one would cut a fresh connection at the first sweep.
      this.stamp = this.loop.time() + this.interval;
      this.periodic = new PeriodicCallback(this.onSweep, this.interval, 0, this.loop);
      this.periodic.start();
    }
  }

  /** Forget an item (the sweep stops by itself at its next run when nothing is left). */
  delete(item: T): void {
    const slot = this.slotOf(item);
    if (slot === -1) return;
    const items = this.items;
    const last = items.pop() as T;
    if (last !== item) {
      items[slot] = last;
      last.sweepSlot = slot;
    }
    item.sweepSlot = -1;
  }

  /** Number of tracked items. */
  get size(): number {
    return this.items.length;
  }

  /** Where `item` is in `items` (its `sweepSlot`, checked), or -1 when this sweeper lacks it. */
  private slotOf(item: T): number {
    const slot = item.sweepSlot;
    return slot !== undefined && slot >= 0 && this.items[slot] === item ? slot : -1;
  }

  /**
   * Sweep at least every `intervalMs` from now on (a client that met a shorter timeout): the
   * interval only shrinks while items are tracked (a running sweep restarts with it), and goes
   * back to the constructor's once the sweep stops with nothing tracked.
   */
  shortenInterval(intervalMs: number): void {
    checkInterval(intervalMs);
    if (intervalMs >= this.interval) return;
    this.interval = intervalMs;
    if (this.periodic !== null) {
      this.periodic.stop();
      this.periodic = null;
      if (this.items.length > 0) {
        this.periodic = new PeriodicCallback(this.onSweep, this.interval, 0, this.loop);
        this.periodic.start();
      }
    }
    const next = this.loop.time() + intervalMs;
    if (next < this.stamp) this.stamp = next;
  }

  /** Check every item now (also run by the periodic callback). */
  sweep(): void {
    const now = this.loop.time();
    this.stamp = now + this.interval;
    // Last to first: an item that deletes itself is replaced by the last one, already swept.
    // Items added during the sweep wait for the next one; one deleting another may get another
    // item swept twice, which is harmless (a sweep only acts on deadlines already passed).
    const items = this.items;
    for (let i = items.length - 1; i >= 0; i--) {
      if (i >= items.length) continue;
      try {
        items[i].sweep(now);
      } catch (err) {
        // One item's failure must not stall every other item's deadlines.
        this.loop.logger.error({ err }, "exception while sweeping a connection's deadlines");
      }
    }
    if (items.length === 0) {
      this.stop();
      // Nothing tracked: an interval shortened for some short timeout is forgotten.
      this.interval = this.baseInterval;
    }
  }

  /** Forget every item and stop sweeping (a client being closed). */
  clear(): void {
    for (const item of this.items) item.sweepSlot = -1;
    this.items.length = 0;
    this.stop();
  }

  /** Stop sweeping now (the items stay tracked; the next `add` starts it again). */
  stop(): void {
    if (this.periodic !== null) {
      this.periodic.stop();
      this.periodic = null;
    }
  }
}

/** The sweep interval for a set of timeouts: a quarter of the smallest, within 10 ms … 1 s. */
export function sweepIntervalFor(...timeoutsMs: number[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const t of timeoutsMs) if (t > 0 && t < min) min = t;
  if (!Number.isFinite(min)) return 1000;
  return Math.max(10, Math.min(1000, Math.floor(min / 4)));
}

function checkInterval(intervalMs: number): void {
  if (typeof intervalMs !== "number" || !(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new RangeError(`intervalMs must be a finite number of ms > 0, got ${intervalMs}`);
  }
}
