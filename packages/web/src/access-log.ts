// The access log entry written for every finished request: Tornado's line, plus its fields for a
// structured logger.

import type { HTTPServerRequest } from "@t/httpserver";
import { FIELDS_IN_MESSAGE } from "@t/ioloop";

/**
 * What the access log reads of a finished handler: a RequestHandler (`logFunction` and
 * `HandlerHost.logRequest` receive the handler itself; these are the members they may rely on
 * without a cast).
 */
export interface LoggedHandler {
  /** The request that was handled. */
  readonly request: HTTPServerRequest;
  /** The request id (the `requestId` setting), or null. */
  readonly requestId: string | null;
  /** The response status. */
  getStatus(): number;
  /** `GET /path (ip)`. */
  requestSummary(): string;
}

/** `200 GET /path (127.0.0.1) 1.23ms` (Tornado's `log_request` format). */
export function formatAccessLine(
  statusCode: number,
  requestSummary: string,
  requestTimeMs: number,
): string {
  return `${statusCode} ${requestSummary} ${requestTimeMs.toFixed(2)}ms`;
}

/**
 * The fields of an access log entry, passed as the object of `logger.info(fields, line)`: pino
 * records them, the default logger prints the line alone (they are marked
 * {@link FIELDS_IN_MESSAGE}).
 */
export interface AccessLogFields {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly status: number;
  /** From the first byte of the request to the end of the response, in milliseconds. */
  readonly durationMs: number;
  readonly remoteIp: string;
  /** Response body bytes handed to the connection (after compression). */
  readonly bytes: number;
  /** The request id (the `requestId` setting), or null. */
  readonly requestId: string | null;
  readonly [FIELDS_IN_MESSAGE]: true;
}

/** The access log fields of a finished request. */
export function accessLogFields(handler: LoggedHandler, status: number): AccessLogFields {
  const r = handler.request;
  const conn = r.connection as { bodyBytes?: number } | null;
  return {
    method: r.method,
    path: r.path,
    status,
    durationMs: Math.round(r.requestTime() * 1000) / 1000,
    remoteIp: r.remoteIp,
    bytes: conn?.bodyBytes ?? 0,
    requestId: handler.requestId,
    [FIELDS_IN_MESSAGE]: true,
  };
}
