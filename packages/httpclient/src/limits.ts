// Defaults of every limit and timeout (bytes, milliseconds, counts) and their validation.

/** Most bytes of a response head (status line + header fields). Default 64 KiB. */
export const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;
/** Most bytes of a response body after decompression (buffered or streamed). Default 100 MiB (Tornado). */
export const DEFAULT_MAX_BODY_SIZE = 100 * 1024 * 1024;
/** Most bytes of the trailer section of a chunked response. Default 16 KiB. */
export const DEFAULT_MAX_TRAILER_SIZE = 16 * 1024;
/** Most 1xx interim responses before the final one. */
export const MAX_INTERIM_RESPONSES = 16;
/** Time allowed to connect (TCP, TLS, proxy tunnel) and to wait for a free connection. Default 20 s (Tornado). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
/** Time allowed for the whole request, redirects included. Default 20 s (Tornado). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
/** Longest silence from the server while a response is awaited or read; 0 = none (default). */
export const DEFAULT_IDLE_TIMEOUT_MS = 0;
/** How long to wait for `100 Continue` before sending the body anyway. Default 1 s (curl). */
export const DEFAULT_EXPECT_CONTINUE_TIMEOUT_MS = 1000;
/** Most redirects followed. Default 5 (Tornado). */
export const DEFAULT_MAX_REDIRECTS = 5;
/** Most requests in flight per client; more wait in a FIFO queue. Default 10 (Tornado's max_clients). */
export const DEFAULT_MAX_CLIENTS = 10;
/** Most open connections (busy + idle) per origin. Default 10. */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 10;
/** How long an idle pooled connection is kept. Default 4 s (undici): below common server keep-alive timeouts. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4000;

/** A timeout option: a number of ms >= 0 (0 = none) or Infinity. */
export function checkTimeout(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of ms >= 0 (0 = none), got ${String(value)}`);
  }
  return value === 0 ? Number.POSITIVE_INFINITY : value;
}

/** A size or count option: an integer >= `min`, or Infinity. */
export function checkCount(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !(Number.isInteger(value) || value === Number.POSITIVE_INFINITY) ||
    value < min
  ) {
    throw new RangeError(`${name} must be an integer >= ${min} or Infinity, got ${String(value)}`);
  }
  return value;
}

/** Largest buffer size option (maxHeaderSize, readChunkSize): 1 GiB. */
export const MAX_BUFFER_OPTION_BYTES = 2 ** 30;

/** A buffer size option: an integer of bytes in 1..MAX_BUFFER_OPTION_BYTES (not Infinity). */
export function checkBufferSize(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_BUFFER_OPTION_BYTES
  ) {
    throw new RangeError(
      `${name} must be an integer number of bytes from 1 to ${MAX_BUFFER_OPTION_BYTES}, got ${String(value)}`,
    );
  }
  return value;
}

/** A boolean option. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${typeof value}`);
  }
  return value;
}
