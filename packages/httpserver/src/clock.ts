// The wall clock of request timing: epoch milliseconds with sub-millisecond precision.

// The `performance` global is a lazy accessor in Node: look it up once.
const perf = performance;
const timeOrigin = perf.timeOrigin;

/** Now, in epoch milliseconds (`performance.timeOrigin + performance.now()`). */
export function epochNowMs(): number {
  return timeOrigin + perf.now();
}
