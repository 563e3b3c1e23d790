// PeriodicCallback: call a function every intervalMs on an IOLoop, skipping missed runs.

import { IOLoop, type TimeoutHandle } from "./ioloop.js";

/**
 * Calls `fn` every `intervalMs` milliseconds on an {@link IOLoop} (Tornado's PeriodicCallback).
 * Runs stay on the grid `start + k * intervalMs`: if a run (or the loop) is late by more than
 * an interval, the missed runs are skipped rather than fired in a burst. When `fn` returns a
 * promise, the next run is scheduled after it settles, so runs never overlap. `jitter` (0..1)
 * varies each interval by up to ±jitter/2 to spread out callbacks that would otherwise align.
 * The first run happens one interval after `start()`.
 */
export class PeriodicCallback {
  private readonly fn: () => unknown;
  private readonly intervalMs: number;
  private readonly jitter: number;
  private readonly loopOption: IOLoop | undefined;
  private loop: IOLoop | null = null;
  private running = false;
  private nextTimeoutMs = 0;
  private handle: TimeoutHandle | null = null;
  private generation = 0;
  private readonly runBound: () => void;

  /**
   * @param fn - called on the loop; a throw or rejected promise is logged via `loop.logger`.
   * @param intervalMs - period in milliseconds, > 0.
   * @param jitter - fraction 0..1 (default 0) of random variation of each interval.
   * @param loop - the loop to run on; default `IOLoop.current()` at `start()`.
   */
  constructor(fn: () => unknown, intervalMs: number, jitter = 0, loop?: IOLoop) {
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${typeof fn}`);
    if (typeof intervalMs !== "number") {
      throw new TypeError(`intervalMs must be a number, got ${typeof intervalMs}`);
    }
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`intervalMs must be a finite number > 0, got ${intervalMs}`);
    }
    if (typeof jitter !== "number" || !(jitter >= 0 && jitter <= 1)) {
      throw new RangeError(`jitter must be a number in 0..1, got ${String(jitter)}`);
    }
    if (loop !== undefined && !(loop instanceof IOLoop)) {
      throw new TypeError("loop must be an IOLoop");
    }
    this.fn = fn;
    this.intervalMs = intervalMs;
    this.jitter = jitter;
    this.loopOption = loop;
    this.runBound = () => this.run();
  }

  /** Starts calling `fn`; no-op if already started. */
  start(): void {
    if (this.running) return;
    const loop = this.loopOption ?? IOLoop.current();
    this.loop = loop;
    this.running = true;
    this.generation++;
    this.nextTimeoutMs = loop.time();
    this.scheduleNext();
  }

  /** Stops calling `fn`; a run in progress finishes but schedules nothing. */
  stop(): void {
    this.running = false;
    this.generation++;
    if (this.handle !== null && this.loop !== null) this.loop.removeTimeout(this.handle);
    this.handle = null;
  }

  /** Whether `start()` was called without a later `stop()`. */
  isRunning(): boolean {
    return this.running;
  }

  private run(): void {
    this.handle = null;
    if (!this.running) return;
    const loop = this.loop as IOLoop;
    // fn may stop() and start() again, which schedules its own run: then we must not add another.
    const generation = this.generation;
    let result: unknown;
    try {
      result = this.fn();
    } catch (err) {
      loop.logger.error(err, `Exception in PeriodicCallback ${this.fn.name || "<anonymous>"}`);
    }
    if (
      result !== null &&
      (typeof result === "object" || typeof result === "function") &&
      typeof (result as PromiseLike<unknown>).then === "function"
    ) {
      (result as PromiseLike<unknown>).then(
        () => this.afterAsyncRun(generation),
        (err: unknown) => {
          loop.logger.error(err, `Exception in PeriodicCallback ${this.fn.name || "<anonymous>"}`);
          this.afterAsyncRun(generation);
        },
      );
      return;
    }
    if (generation === this.generation) this.scheduleNext();
  }

  private afterAsyncRun(generation: number): void {
    if (generation === this.generation) this.scheduleNext();
  }

  private scheduleNext(): void {
    const loop = this.loop as IOLoop;
    if (!this.running) return;
    if (loop.closed) {
      this.running = false;
      return;
    }
    const nowMs = loop.time();
    let intervalMs = this.intervalMs;
    if (this.jitter > 0) intervalMs *= 1 + this.jitter * (Math.random() - 0.5);
    if (this.nextTimeoutMs <= nowMs) {
      // Skip the runs we missed: land on the first grid point after now.
      this.nextTimeoutMs +=
        (Math.floor((nowMs - this.nextTimeoutMs) / intervalMs) + 1) * intervalMs;
    } else {
      // The clock did not reach the last deadline (it should not, but never schedule twice at once).
      this.nextTimeoutMs += intervalMs;
    }
    this.handle = loop.callAt(this.nextTimeoutMs, this.runBound);
  }
}
