// Bounded waits for tests: every wait ends with a clear error instead of hanging the suite.

/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Settle like `p`, or reject if it does not settle within `ms` milliseconds. */
export function within<T>(p: Promise<T>, ms = 5000, what = "operation"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Resolve with the rejection reason of `p`; fail if it resolves or does not settle in `ms`. */
export async function rejection(p: Promise<unknown>, ms = 5000): Promise<Error> {
  try {
    await within(p, ms, "call");
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the promise to reject");
}

/** Poll until `cond()` holds, at most `ms` milliseconds. */
export async function until(cond: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not reached within ${ms} ms`);
    await sleep(5);
  }
}

/** Same as {@link until}. */
export const waitFor = until;
