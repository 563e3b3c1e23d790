// Default limits of a WebSocket connection, shared by the handler, the client and the core.

/** Default `maxMessageSize`: 10 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

/** Default time to wait for the peer's close frame after sending ours: 5 s (Tornado's). */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/**
 * Default `maxWriteBufferSize`: 16 MiB of outgoing bytes queued for one connection (frames not
 * yet taken by the kernel plus messages waiting for compression). Above the default
 * `maxMessageSize`, so that echoing the largest accepted message always fits.
 */
export const DEFAULT_MAX_WRITE_BUFFER_SIZE = 16 * 1024 * 1024;

/**
 * Default `writeHighWaterMark`: off. A WebSocket is full-duplex: two peers that each stopped
 * reading while their own output waits would wait for each other forever, so a connection stops
 * reading a peer that does not read its frames only when asked to (see the README's Limits).
 */
export const DEFAULT_WRITE_HIGH_WATER_MARK = Number.POSITIVE_INFINITY;

/**
 * Default `maxFragmentsPerMessage`: no count limit. Fragments are copied into one message
 * buffer, so a fragment costs no more memory than its bytes and less work than a ping;
 * `maxMessageSize` bounds the message. Set a number to refuse messages split finer.
 */
export const DEFAULT_MAX_FRAGMENTS_PER_MESSAGE = Number.POSITIVE_INFINITY;

/**
 * Validate a count or byte limit: an integer >= 1, or Infinity for none. Returns `fallback`
 * for undefined; throws TypeError/RangeError naming `name` otherwise.
 */
export function checkLimit(name: string, value: unknown, fallback: number, unit: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number (${unit}), got ${typeof value}`);
  }
  if (value !== Number.POSITIVE_INFINITY && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(
      `${name} must be an integer >= 1 (${unit}) or Infinity, got ${String(value)}`,
    );
  }
  return value;
}
