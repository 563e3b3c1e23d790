// What a target reports when a parser misbehaves: the finding error and the assertions that raise it.

import { inspect, isDeepStrictEqual } from "node:util";

/**
 * A parser broke an oracle: it threw something other than its documented error, two ways of
 * feeding the same bytes disagreed, or a result broke an invariant. `cause` holds the parser's
 * own exception when there was one.
 */
export class FuzzFinding extends Error {
  name = "FuzzFinding";
  code = "T_ERR_FUZZ_FINDING";
}

/** Throw a FuzzFinding with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new FuzzFinding(typeof message === "function" ? message() : message);
}

/** Throw a FuzzFinding unless `actual` and `expected` are deeply, strictly equal. */
export function checkEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    const show = (v) => inspect(v, { depth: 4, maxArrayLength: 16, maxStringLength: 200 });
    throw new FuzzFinding(`${what}: got ${show(actual)}, expected ${show(expected)}`);
  }
}

/**
 * Rethrow `err` as a FuzzFinding unless `accepted(err)` says it is the parser's documented
 * answer to bad input (a FuzzFinding from a nested check passes through unchanged).
 */
export function expectDocumented(err, accepted, what) {
  if (err instanceof FuzzFinding) throw err;
  if (accepted(err)) return;
  const desc = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  throw new FuzzFinding(`${what} threw an undocumented exception: ${desc}`, { cause: err });
}

/** A short, stable description of an exception: its class and message with numbers masked. */
export function signatureOf(err) {
  if (!(err instanceof Error)) return `throw ${typeof err}`;
  const inner = err instanceof FuzzFinding && err.cause instanceof Error ? err.cause : null;
  const first = err.message.split("\n")[0];
  const got = first.indexOf(": got ");
  const base = `${err.name}: ${(got === -1 ? first : first.slice(0, got)).slice(0, 100)}`;
  const withCause = inner === null ? base : `${base} <- ${inner.name}`;
  return withCause.replace(/[0-9]+/g, "N");
}
