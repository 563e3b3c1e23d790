// DeadlineSweeper: one coarse periodic sweep per client checks every timeout (no timer per request).

import { type IOLoop, PeriodicCallback } from "@t/ioloop";

/** Something with deadlines, checked once per sweep. */
export interface SweepTarget {
  /** Called with the loop's time (ms); acts on any deadline that has passed. */
  sweep(nowMs: number): void;
}

/** The sweep interval suited to a timeout: a quarter of it, within 10 ms … 1 s. */
export function intervalFor(timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs)) return 1000;
  return Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4)));
}

/**
 * Tracks in-flight exchanges and idle pooled connections and sweeps them with one
 * `PeriodicCallback` while any are tracked (uSockets' timeout sweep, undici's fast timers). A
 * deadline fires at most about one interval late, never early. The interval shrinks to suit the
 * shortest timeout seen (a quarter of it, at least 10 ms).
 */
export class DeadlineSweeper {
  private readonly items = new Set<SweepTarget>();
  private periodic: PeriodicCallback | null = null;
  private intervalMs = 1000;

  constructor(private readonly loop: IOLoop) {}

  /** Track `item`; `timeoutMs` is the shortest timeout it has (sets how often sweeps run). */
  add(item: SweepTarget, timeoutMs: number): void {
    this.items.add(item);
    const want = intervalFor(timeoutMs);
    if (want < this.intervalMs) {
      this.intervalMs = want;
      if (this.periodic !== null) {
        this.periodic.stop();
        this.periodic = null;
      }
    }
    if (this.periodic === null) {
      this.periodic = new PeriodicCallback(() => this.sweep(), this.intervalMs, 0, this.loop);
      this.periodic.start();
    }
  }

  /**
   * Stop tracking `item`. The sweep itself stops at its next run with nothing tracked, so a
   * client doing one request at a time does not start and stop a timer per request.
   */
  delete(item: SweepTarget): void {
    this.items.delete(item);
  }

  /** Number of tracked items. */
  get size(): number {
    return this.items.size;
  }

  /** Check every item now. */
  sweep(): void {
    const now = this.loop.time();
    for (const item of this.items) item.sweep(now);
    if (this.items.size === 0) this.stop();
  }

  /** Stop sweeping and forget every item. */
  stop(): void {
    if (this.periodic !== null) {
      this.periodic.stop();
      this.periodic = null;
    }
    if (this.items.size === 0) this.intervalMs = 1000;
  }

  /** Forget everything. */
  clear(): void {
    this.items.clear();
    this.stop();
  }
}
