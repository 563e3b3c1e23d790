// Test helpers for the locks and queues: run a body on a current loop, watch promises settle.

import type { IOLoop } from "../src/index.js";
import { newLoop } from "./helpers.js";

/** How a watched promise ended so far. */
export interface Watched<T> {
  done: boolean;
  value: T | undefined;
  error: unknown;
  readonly promise: Promise<T>;
}

/** Records when `promise` settles (and marks its rejection handled). */
export function watch<T>(promise: Promise<T>): Watched<T> {
  const w: Watched<T> = { done: false, value: undefined, error: undefined, promise };
  promise.then(
    (value) => {
      w.done = true;
      w.value = value;
    },
    (error: unknown) => {
      w.done = true;
      w.error = error;
    },
  );
  return w;
}

/** Lets every promise settled so far run its reactions (Tornado's `gen.moment`, and more). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `body` on a new loop made current (so timed waits find it after an `await`), bounded
 * generously; the loop is closed by the suite's `cleanup`.
 */
export function onLoop<T>(body: (loop: IOLoop) => Promise<T>): Promise<T> {
  const { loop } = newLoop({ makeCurrent: true });
  return loop.runSync(() => body(loop), { timeoutMs: 20_000 });
}
