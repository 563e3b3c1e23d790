// The ConnectionSweepers that enforce WebSocket deadlines: one per loop and sweep interval.

import type { IOLoop } from "@t/ioloop";
import { ConnectionSweeper, type Sweepable, sweepIntervalFor } from "@t/iostream";

const byLoop = new WeakMap<IOLoop, Map<number, ConnectionSweeper<Sweepable>>>();

/**
 * The sweep interval for a connection's deadlines: a quarter of its shortest one, within
 * 10 ms … 1 s (`sweepIntervalFor`). A deadline fires at the first sweep at or after it: never
 * early, at most this much late.
 */
export function deadlineSweepIntervalMs(
  pingIntervalMs: number,
  pingTimeoutMs: number,
  closeTimeoutMs: number,
): number {
  return sweepIntervalFor(pingIntervalMs, pingTimeoutMs, closeTimeoutMs);
}

/**
 * The sweeper of `loop` that sweeps every `intervalMs`, made on first use. Connections with the
 * same settings (every connection of one handler class, say) share one periodic callback; a
 * sweeper stops by itself once it has nothing left to sweep, and starts again on the next `add`.
 */
export function sweeperFor(loop: IOLoop, intervalMs: number): ConnectionSweeper<Sweepable> {
  let sweepers = byLoop.get(loop);
  if (sweepers === undefined) {
    sweepers = new Map();
    byLoop.set(loop, sweepers);
  }
  let sweeper = sweepers.get(intervalMs);
  if (sweeper === undefined) {
    sweeper = new ConnectionSweeper(loop, intervalMs);
    sweepers.set(intervalMs, sweeper);
  }
  return sweeper;
}
