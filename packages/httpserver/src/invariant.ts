// invariant: the cheap assertion the connection state machine makes where it relies on its own state.

import { AssertionError } from "node:assert";

/**
 * Assert something the code relies on and the type system cannot see (undici's `assert`,
 * libuv's `assert` in `uv__io_poll`): a false `condition` is a bug in @t/httpserver, never the
 * peer's or the application's fault, and throws Node's `AssertionError` (code `ERR_ASSERTION`)
 * naming what broke. Costs one comparison when it holds; `what` should be a constant string.
 */
export function invariant(condition: unknown, what: string): asserts condition {
  if (!condition) throw internalError(what);
}

/** The error of a broken invariant (kept out of line so that `invariant` inlines small). */
export function internalError(what: string): AssertionError {
  return new AssertionError({
    message: `@t/httpserver internal error: ${what} (please report this)`,
    actual: false,
    expected: true,
    operator: "invariant",
  });
}
