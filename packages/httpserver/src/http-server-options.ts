// HTTPServer options: defaults, units and constructor validation.

import type * as tls from "node:tls";
import type { IOLoop, Logger } from "@t/ioloop";
import type { FormLimits } from "./body-arguments.js";

/** Options of `new HTTPServer(callback, options)`. Sizes in bytes, times in milliseconds. */
export interface HTTPServerOptions {
  /** Trust X-Real-IP / X-Forwarded-For and X-Scheme / X-Forwarded-Proto (behind a proxy). Default false. */
  xheaders?: boolean;
  /** Proxy addresses skipped when walking X-Forwarded-For from the right. Default []. */
  trustedDownstream?: readonly string[];
  /** Close the connection after each response. Default false. */
  noKeepAlive?: boolean;
  /** TLS: Node secure-context options (key, cert, …) or a `tls.SecureContext`. */
  ssl?: tls.SecureContextOptions | tls.SecureContext;
  /** Decompress `Content-Encoding: gzip` request bodies. Default false. */
  decompressRequest?: boolean;
  /**
   * With `decompressRequest`: most bytes a gzip request body may inflate to (also bounded by
   * `maxBodySize`); more gets 413. A compression bomb of 100 KiB inflates to 100 MiB, so this is
   * kept well below `maxBodySize`. Default 16 MiB.
   */
  maxDecompressedBodySize?: number;
  /** Most bytes per `dataReceived` call of a streaming delegate. Default 65536. */
  chunkSize?: number;
  /** Most bytes of a request head (request line + fields); more gets 431. Default 65536. */
  maxHeaderSize?: number;
  /**
   * Most bytes of a request body (after de-chunking; with `decompressRequest` also after
   * decompression); more gets 413. Default 100 MiB.
   */
  maxBodySize?: number;
  /**
   * Most bytes of an `application/x-www-form-urlencoded` body the server buffers for parsing
   * (request callbacks, non-streaming handlers); more gets 413. Default 1 MiB (Express: 100 KiB).
   */
  maxFormBodySize?: number;
  /** Most bytes of a buffered `multipart/form-data` body; more gets 413. Default 16 MiB. */
  maxMultipartBodySize?: number;
  /** Most name=value pairs parsed from an urlencoded body; more gets 413. Default 1000. */
  maxArguments?: number;
  /** Most parts of a multipart/form-data body; more gets 413. Default 100 (Tornado 6.5). */
  maxMultipartParts?: number;
  /** Most bytes of one multipart part's headers; more gets 413. Default 10240 (Tornado 6.5). */
  maxPartHeaderSize?: number;
  /** From the first byte of a request to the end of its head; 0 disables. Default 30000. */
  headerTimeoutMs?: number;
  /** Keep-alive idle time between requests; 0 disables. Default 60000. */
  idleConnectionTimeoutMs?: number;
  /** From the end of the head to the end of the body; 0 disables. Default 120000. */
  bodyTimeoutMs?: number;
  /**
   * Close a connection whose queued response bytes made no progress into the kernel for this
   * long (the client stopped reading; nginx's `send_timeout`); 0 disables. Default 60000.
   */
  writeTimeoutMs?: number;
  /** Force the `protocol` of requests ("http"/"https"); default from the connection. */
  protocol?: string;
  /** Loop that drives the server. Default `IOLoop.current()`. */
  loop?: IOLoop;
  /** Logger. Default the loop's logger. */
  logger?: Logger;
  /** Stream read buffer limit (bytes). Default 100 MiB. */
  maxBufferSize?: number;
  /** Bytes per read(2). Default 65536. */
  readChunkSize?: number;
  /**
   * Stream write queue limit (bytes): a response write that would queue more is refused and the
   * connection closed. Default 64 MiB (a stream's own default is unlimited).
   */
  maxWriteBufferSize?: number;
}

/** The validated per-connection parameters (Tornado's `HTTP1ConnectionParameters`). */
export interface HTTP1ConnectionParameters {
  noKeepAlive: boolean;
  chunkSize: number;
  maxHeaderSize: number;
  maxBodySize: number;
  headerTimeoutMs: number;
  idleConnectionTimeoutMs: number;
  bodyTimeoutMs: number;
  writeTimeoutMs: number;
  maxFormBodySize: number;
  maxMultipartBodySize: number;
  maxDecompressedBodySize: number;
  formLimits: FormLimits;
  decompress: boolean;
  xheaders: boolean;
  trustedDownstream: ReadonlySet<string>;
  protocol: string | undefined;
}

/** Default option values. */
export const HTTP_SERVER_DEFAULTS = {
  chunkSize: 65536,
  maxHeaderSize: 65536,
  maxBodySize: 100 * 1024 * 1024,
  headerTimeoutMs: 30_000,
  idleConnectionTimeoutMs: 60_000,
  bodyTimeoutMs: 120_000,
  writeTimeoutMs: 60_000,
  maxFormBodySize: 1024 * 1024,
  maxMultipartBodySize: 16 * 1024 * 1024,
  maxDecompressedBodySize: 16 * 1024 * 1024,
  maxArguments: 1000,
  maxMultipartParts: 100,
  maxPartHeaderSize: 10 * 1024,
  maxWriteBufferSize: 64 * 1024 * 1024,
} as const;

/**
 * Output queued beyond this many bytes stops the parsing of further pipelined requests until it
 * drained (node:http's `writableHighWaterMark` check; Tornado waits for each response's write).
 *
 * @deprecated The stream's `writeHighWaterMark` is the limit now: every HTTP/1 connection sets
 * `SERVER_WRITE_HIGH_WATER_MARK` from `@t/iostream` (also 64 KiB), and while that much output is
 * queued its stream offers it no input. This constant is no longer read.
 */
export const PIPELINE_HIGH_WATER_MARK = 64 * 1024;

function bytes(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer number of bytes, got ${String(value)}`);
  }
  if (value < 1) throw new RangeError(`${name} must be at least 1 byte, got ${value}`);
  return value;
}

function count(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer count, got ${String(value)}`);
  }
  if (value < 1) throw new RangeError(`${name} must be at least 1, got ${value}`);
  return value;
}

function millis(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of milliseconds, got ${String(value)}`);
  }
  if (value < 0) throw new RangeError(`${name} must be >= 0 ms (0 disables), got ${value}`);
  return value === 0 ? Number.POSITIVE_INFINITY : value;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean`);
  return value;
}

/** Validate options (TypeError / RangeError) and fill in defaults. */
export function resolveHTTPServerOptions(
  options: HTTPServerOptions | undefined,
): HTTP1ConnectionParameters {
  const o = options ?? {};
  if (typeof o !== "object") throw new TypeError("HTTPServer options must be an object");
  const trusted = o.trustedDownstream ?? [];
  if (!Array.isArray(trusted) || trusted.some((t) => typeof t !== "string")) {
    throw new TypeError("trustedDownstream must be an array of IP address strings");
  }
  if (o.protocol !== undefined && o.protocol !== "http" && o.protocol !== "https") {
    throw new RangeError(`protocol must be "http" or "https", got ${String(o.protocol)}`);
  }
  const d = HTTP_SERVER_DEFAULTS;
  return {
    noKeepAlive: flag("noKeepAlive", o.noKeepAlive),
    chunkSize: bytes("chunkSize", o.chunkSize, d.chunkSize),
    maxHeaderSize: bytes("maxHeaderSize", o.maxHeaderSize, d.maxHeaderSize),
    maxBodySize: bytes("maxBodySize", o.maxBodySize, d.maxBodySize),
    headerTimeoutMs: millis("headerTimeoutMs", o.headerTimeoutMs, d.headerTimeoutMs),
    idleConnectionTimeoutMs: millis(
      "idleConnectionTimeoutMs",
      o.idleConnectionTimeoutMs,
      d.idleConnectionTimeoutMs,
    ),
    bodyTimeoutMs: millis("bodyTimeoutMs", o.bodyTimeoutMs, d.bodyTimeoutMs),
    writeTimeoutMs: millis("writeTimeoutMs", o.writeTimeoutMs, d.writeTimeoutMs),
    maxFormBodySize: bytes("maxFormBodySize", o.maxFormBodySize, d.maxFormBodySize),
    maxMultipartBodySize: bytes(
      "maxMultipartBodySize",
      o.maxMultipartBodySize,
      d.maxMultipartBodySize,
    ),
    maxDecompressedBodySize: bytes(
      "maxDecompressedBodySize",
      o.maxDecompressedBodySize,
      d.maxDecompressedBodySize,
    ),
    formLimits: Object.freeze({
      maxArguments: count("maxArguments", o.maxArguments, d.maxArguments),
      maxMultipartParts: count("maxMultipartParts", o.maxMultipartParts, d.maxMultipartParts),
      maxPartHeaderSize: bytes("maxPartHeaderSize", o.maxPartHeaderSize, d.maxPartHeaderSize),
    }),
    decompress: flag("decompressRequest", o.decompressRequest),
    xheaders: flag("xheaders", o.xheaders),
    trustedDownstream: new Set(trusted),
    protocol: o.protocol,
  };
}
