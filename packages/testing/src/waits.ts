// Bounded waits: every wait ends with a TestTimeoutError naming what it waited for, never a hang.

import { TestTimeoutError } from "./errors.js";

/** Default bound of every wait in this package: 10 s, generous for a loaded 2-core machine. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms. Default 10000. */
  timeoutMs?: number;
  /** Poll every this many ms. Default 5. */
  intervalMs?: number;
  /** What is awaited, for the error message. Default "condition". */
  what?: string;
  /**
   * Treat a throw or rejection of the predicate as "not yet" (e.g. a fetch to a server that is
   * still starting); the last one becomes the timeout error's `cause`. Default false: it
   * rejects at once.
   */
  ignoreErrors?: boolean;
}

/** Resolve after `ms` milliseconds (for pacing a poll, never as synchronisation). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function checkMs(name: string, value: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Poll `predicate` (sync or async) until it returns a truthy value, and resolve with that value;
 * reject with TestTimeoutError after `timeoutMs`. An error thrown by the predicate rejects at once
 * (unless `ignoreErrors`).
 */
export async function waitFor<T>(
  predicate: () => T | PromiseLike<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  if (typeof predicate !== "function") {
    throw new TypeError("waitFor expects a predicate function");
  }
  const timeoutMs = checkMs("timeoutMs", options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  const intervalMs = checkMs("intervalMs", options.intervalMs ?? 5);
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      if (options.ignoreErrors !== true) throw err;
      lastError = err;
    }
    if (Date.now() >= end) {
      throw new TestTimeoutError(
        `${options.what ?? "condition"} not reached within ${timeoutMs} ms`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await sleep(intervalMs);
  }
}

/** Settle like `promise`, or reject with TestTimeoutError if it has not settled within `timeoutMs`. */
export function within<T>(
  promise: PromiseLike<T>,
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
  what = "operation",
): Promise<T> {
  checkMs("timeoutMs", timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(promise),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TestTimeoutError(`${what} did not settle within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Resolve with the rejection reason of `promise`; fail if it resolves or does not settle in time. */
export async function rejection(
  promise: PromiseLike<unknown>,
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
): Promise<Error> {
  checkMs("timeoutMs", timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    Promise.resolve(promise).then(
      (value) => ({ settled: "resolved" as const, value }),
      (error: unknown) => ({ settled: "rejected" as const, value: error }),
    ),
    new Promise<{ settled: "pending"; value: undefined }>((resolve) => {
      timer = setTimeout(() => resolve({ settled: "pending", value: undefined }), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome.settled === "rejected") return outcome.value as Error;
  if (outcome.settled === "pending") {
    throw new TestTimeoutError(
      `the promise expected to reject did not settle within ${timeoutMs} ms`,
    );
  }
  throw new Error(`expected the promise to reject; it resolved with ${String(outcome.value)}`);
}
