// Option defaults shared by RpcServer and RpcClient, and their validation.

/** Default per-call timeout (`timeoutMs`): 30 s. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Default `helloTimeoutMs` of the server: 10 s. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Default `connectTimeoutMs` of the client: 10 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Validate a duration option in ms: a number >= 0. 0 and Infinity both mean "no limit" and are
 * returned as 0.
 */
export function checkMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds >= 0, got ${String(value)}`);
  }
  return value === Number.POSITIVE_INFINITY ? 0 : value;
}

/** Options of one call (`apply`). */
export interface CallOptions {
  /** Reject with RpcTimeoutError when no reply came within this many ms (0 = none). */
  timeoutMs?: number;
}
