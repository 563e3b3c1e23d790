// The functions clients may call, collected by registerModule (the seed's "collect rpc functions").

/** The seed's example: add two numbers. */
export function sum(x, y) {
  return x + y;
}

/** Longest delay `slowReverse` waits, ms: a caller cannot park a timer on the server for longer. */
export const MAX_SLOW_REVERSE_MS = 5000;

/**
 * An async function: resolves after `ms` (clamped to 0..MAX_SLOW_REVERSE_MS) with `text`
 * reversed.
 */
export async function slowReverse(text, ms = 10) {
  if (typeof text !== "string") throw new TypeError("slowReverse expects text as a string");
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError("slowReverse expects ms as a number");
  }
  const delay = Math.min(Math.max(ms, 0), MAX_SLOW_REVERSE_MS);
  await new Promise((resolve) => setTimeout(resolve, delay));
  return [...text].reverse().join("");
}

/** Throws on purpose: the client gets an RpcRemoteError carrying name, message and code. */
export function fail(message) {
  const err = new Error(message);
  err.code = "E_APP_FAIL";
  throw err;
}
