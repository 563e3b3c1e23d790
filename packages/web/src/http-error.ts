// HTTPError: an exception that becomes an HTTP error response (Tornado's web.HTTPError).

import { STATUS_CODES } from "node:http";

/**
 * Throw from a handler to answer with `statusCode` (Tornado's `HTTPError`). `logMessage` is
 * written to the log and never shown to the client (unless `debug` is on); `reason` replaces the
 * standard reason phrase in the status line and the default error page.
 *
 * ```ts
 * throw new HTTPError(404, "no user %s", { reason: "Nobody Here" });
 * ```
 */
export class HTTPError extends Error {
  override readonly name: string = "HTTPError";
  /** Stable code for programs to branch on. */
  readonly code: string = "T_ERR_HTTP";
  /** The HTTP status code sent to the client. */
  readonly statusCode: number;
  /** The message for the log (never sent to the client in production), or null. */
  readonly logMessage: string | null;
  /** The reason phrase for the status line, or null for the standard phrase. */
  readonly reason: string | null;

  constructor(
    statusCode = 500,
    logMessage: string | null = null,
    options: { reason?: string; cause?: unknown } = {},
  ) {
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
      throw new RangeError(`HTTPError status must be an integer in 100..999, got ${statusCode}`);
    }
    const reason = options.reason ?? null;
    super(
      `HTTP ${statusCode}: ${reason ?? STATUS_CODES[statusCode] ?? "Unknown"}${
        logMessage ? ` (${logMessage})` : ""
      }`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.statusCode = statusCode;
    this.logMessage = logMessage;
    this.reason = reason;
  }
}

/**
 * A required argument was missing (Tornado's `MissingArgumentError`): answers 400 with
 * "Missing argument NAME".
 */
export class MissingArgumentError extends HTTPError {
  override readonly name = "MissingArgumentError";
  override readonly code = "T_ERR_MISSING_ARGUMENT";
  /** The name of the missing argument. */
  readonly argName: string;

  constructor(argName: string) {
    super(400, `Missing argument ${argName}`);
    this.argName = argName;
  }
}
