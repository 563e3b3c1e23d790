// ConnectionSweeper: one periodic sweep per server that enforces every connection's timeouts.

import { type IOLoop, PeriodicCallback } from "@t/ioloop";

/** A connection that checks its own deadlines when swept. */
export interface Sweepable {
  /** Called once per sweep with the loop's time (ms); closes the connection if a deadline passed. */
  sweep(nowMs: number): void;
}

/**
 * Holds a server's open connections and sweeps them every `intervalMs` with one
 * `PeriodicCallback` — no timer per connection (uSockets' timeout sweep, undici's fast timers).
 * Connections stamp the start of a phase with `stamp`, a coarse clock that reads "the next
 * sweep's time", so that a deadline never fires early and fires at most one interval late.
 */
export class ConnectionSweeper<T extends Sweepable = Sweepable> {
  /** Coarse time for phase stamps: the time of the next sweep (ms, loop clock). */
  stamp: number;
  /** The open connections. */
  readonly connections: Set<T> = new Set();
  private readonly periodic: PeriodicCallback;

  constructor(
    readonly loop: IOLoop,
    readonly intervalMs: number,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    this.stamp = loop.time() + intervalMs;
    this.periodic = new PeriodicCallback(() => this.sweep(), intervalMs, 0, loop);
  }

  /** Track a connection (starts the sweep with the first one). */
  add(conn: T): void {
    this.connections.add(conn);
    if (!this.periodic.isRunning()) {
      this.stamp = this.loop.time() + this.intervalMs;
      this.periodic.start();
    }
  }

  /** Forget a connection (stops the sweep with the last one). */
  delete(conn: T): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.periodic.isRunning()) this.periodic.stop();
  }

  /** Number of tracked connections. */
  get size(): number {
    return this.connections.size;
  }

  /** Check every connection now (also run by the periodic callback). */
  sweep(): void {
    const now = this.loop.time();
    this.stamp = now + this.intervalMs;
    for (const conn of this.connections) conn.sweep(now);
  }

  /** Stop sweeping (the connections are left alone). */
  stop(): void {
    this.periodic.stop();
  }
}

/** The sweep interval for a set of timeouts: a quarter of the smallest, within 10 ms … 1 s. */
export function sweepIntervalFor(...timeoutsMs: number[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const t of timeoutsMs) if (t > 0 && t < min) min = t;
  if (!Number.isFinite(min)) return 1000;
  return Math.max(10, Math.min(1000, Math.floor(min / 4)));
}
