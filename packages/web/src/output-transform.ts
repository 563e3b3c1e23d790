// OutputTransform: rewrite a response's status, headers and body on their way out (Tornado's OutputTransform).

import type { HTTPHeaders, HTTPServerRequest } from "@t/httpserver";

/** What `transformFirstChunk` returns: the status to send and the (possibly rewritten) bytes. */
export interface TransformedFirstChunk {
  /** The status code to send. */
  readonly statusCode: number;
  /** The first piece of the body to send (may be empty). */
  readonly chunk: Buffer;
}

/**
 * A transform of one response's output (Tornado's `OutputTransform`), made per request from
 * the Application's `transforms` setting when the response's headers are first flushed.
 * `transformFirstChunk` sees the status, the headers (edit them in place) and the first body
 * piece; `transformChunk` each later piece. `finishing` is true for the last piece — then a
 * transform that changes the body's length must fix `Content-Length` (set when the response
 * is sent in one piece), as Tornado's GZipContentEncoding does. Transforms run in order,
 * before `compressResponse`'s gzip, so they see the uncompressed body.
 */
export interface OutputTransform {
  /** Rewrite the status, headers (in place) and first body piece. */
  transformFirstChunk(
    statusCode: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    finishing: boolean,
  ): TransformedFirstChunk;
  /** Rewrite a later body piece. */
  transformChunk(chunk: Buffer, finishing: boolean): Buffer;
}

/** A class of OutputTransform, constructed with the request (Tornado passes the request too). */
export type OutputTransformClass = new (request: HTTPServerRequest) => OutputTransform;

/** @internal Check the `transforms` setting: an array of classes, or undefined. */
export function checkTransforms(value: unknown): OutputTransformClass[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((t) => typeof t !== "function")) {
    throw new TypeError("transforms must be an array of OutputTransform classes");
  }
  return value.length === 0 ? null : (value as OutputTransformClass[]);
}
