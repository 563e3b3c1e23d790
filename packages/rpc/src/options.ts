// Option defaults shared by RpcServer and RpcClient, and their validation.

/** Default per-call timeout (`timeoutMs`): 30 s. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Default `helloTimeoutMs` of the server: 10 s. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Default `connectTimeoutMs` of the client: 10 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Default `handlerTimeoutMs` (both sides): 60 s, twice the default call timeout, so that a caller
 * with default options has given up before the handler is abandoned, while callers that allow
 * up to a minute still get their answer.
 */
export const DEFAULT_HANDLER_TIMEOUT_MS = 60_000;
/**
 * Default `maxInflightPerConnection` (both sides): 1024 handlers awaiting their reply per
 * connection. At the ~1.8 KiB a pending call cost in the review's measurement that bounds a
 * connection's handlers to ~2 MiB, while bursts well above the 100 calls in flight of the
 * benchmark never wait.
 */
export const DEFAULT_MAX_INFLIGHT_PER_CONNECTION = 1024;

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
  /**
   * Give up on the call when this signal aborts: it rejects with `AbortError` from `@t/ioloop`
   * (`cause`: the signal's reason) and its reply, should one still come, is dropped. The peer
   * is not told (the protocol has no cancel frame): its handler runs to its end. A signal that
   * has already aborted rejects at once and sends nothing.
   */
  signal?: AbortSignal;
}

/** Validate a call's `signal` option (TypeError naming `what` when it is not an AbortSignal). */
export function checkSignal(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: options.signal must be an AbortSignal`);
  }
  return signal;
}

/** Validate a count option: an integer >= `min` (Infinity allowed: no limit). */
export function checkCount(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !(Number.isInteger(value) || value === Number.POSITIVE_INFINITY) ||
    value < min
  ) {
    throw new RangeError(
      `${name} must be an integer >= ${min} (or Infinity), got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Server side: while more than this many bytes of our frames wait for the peer to read them,
 * the connection stops reading the peer's calls (64 KiB, as HTTP pipelining). A peer that sends
 * calls and never reads the replies gets TCP backpressure instead of a growing reply queue.
 */
export const WRITE_HIGH_WATER_MARK = 64 * 1024;

/**
 * Default `writeTimeoutMs` of RpcServer: 60 s. A connection whose queued replies made no
 * progress into the kernel for this long (the peer stopped reading) is closed, like HTTP's.
 */
export const DEFAULT_WRITE_TIMEOUT_MS = 60_000;

/**
 * Default `maxWriteBufferSize` of RpcServer connections: 64 MiB (eight maximum frames). A write
 * past it closes the connection (the peer stopped reading).
 */
export const DEFAULT_RPC_MAX_WRITE_BUFFER_SIZE = 64 * 1024 * 1024;
