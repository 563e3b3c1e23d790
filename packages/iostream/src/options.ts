// Stream limits: defaults, units and constructor validation.

import type { IOLoop } from "@t/ioloop";

/** Options shared by every stream. Sizes are in bytes. */
export interface IOStreamOptions {
  /** Loop that drives the stream. Default: `IOLoop.current()`. */
  loop?: IOLoop;
  /** Most bytes the read buffer may hold; exceeding it closes the stream. Default 100 MiB. */
  maxBufferSize?: number;
  /** Most bytes read from the fd per system call. Default 64 KiB. */
  readChunkSize?: number;
  /** Most bytes the write queue may hold; a write beyond it is rejected. Default: unlimited. */
  maxWriteBufferSize?: number;
  /**
   * Backpressure from output to input: while at least this many bytes wait in the write queue,
   * the data consumer (`setDataConsumer`) is offered no more input and the stream reads at most
   * `readChunkSize` ahead; it is offered again once the queue drains below. Default `Infinity`
   * (off): only a protocol that writes nothing but answers may turn it on (an HTTP/1 or RPC
   * server, with {@link SERVER_WRITE_HIGH_WATER_MARK}) — for a full-duplex one (WebSocket, a
   * client streaming an upload) two peers that both write faster than they read would each stop
   * reading the other and deadlock. Also settable later with `setWriteHighWaterMark`.
   */
  writeHighWaterMark?: number;
}

/** Validated limits. */
export interface StreamLimits {
  maxBufferSize: number;
  readChunkSize: number;
  maxWriteBufferSize: number;
  writeHighWaterMark: number;
}

/** 100 MiB, Tornado's default `max_buffer_size`. */
export const DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024;
/** 64 KiB, Tornado's default `read_chunk_size`. */
export const DEFAULT_READ_CHUNK_SIZE = 64 * 1024;
/**
 * 64 KiB: the `writeHighWaterMark` request/response servers set (HTTP/1, RPC): a client that
 * pipelines requests without reading the answers stops being read once this much waits for it.
 */
export const SERVER_WRITE_HIGH_WATER_MARK = 64 * 1024;

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer number of bytes, got ${String(value)}`);
  }
  if (value < 1) throw new RangeError(`${name} must be at least 1 byte, got ${value}`);
  return value;
}

/** Validate stream options, throwing TypeError/RangeError for bad values. */
export function resolveLimits(options: IOStreamOptions | undefined): StreamLimits {
  const o = options ?? {};
  return {
    maxBufferSize: positiveInt("maxBufferSize", o.maxBufferSize, DEFAULT_MAX_BUFFER_SIZE),
    readChunkSize: positiveInt("readChunkSize", o.readChunkSize, DEFAULT_READ_CHUNK_SIZE),
    maxWriteBufferSize: positiveInt(
      "maxWriteBufferSize",
      o.maxWriteBufferSize,
      Number.POSITIVE_INFINITY,
    ),
    writeHighWaterMark:
      o.writeHighWaterMark === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : positiveInt("writeHighWaterMark", o.writeHighWaterMark, Number.POSITIVE_INFINITY),
  };
}
