// Error classes of @t/web, each with a stable `code`: HTTPError (an error response) and the rest.

import { STATUS_CODES } from "node:http";

/**
 * Base class of every error @t/web throws: catch them all with `instanceof WebError` (within one
 * installed copy of the package) or branch on `code`, which is stable across versions and
 * copies. The base's own code, `T_ERR_WEB`, is never thrown by the package itself.
 */
export class WebError extends Error {
  override readonly name: string = "WebError";
  /** Stable machine-readable code, e.g. `T_ERR_REVERSE_URL`. */
  readonly code: string = "T_ERR_WEB";
}

/**
 * Throw from a handler to answer with `statusCode` (Tornado's `HTTPError`). `logMessage` is
 * written to the log and never shown to the client (unless `debug` is on); `reason` replaces the
 * standard reason phrase in the status line and the default error page. Unlike Tornado's, the
 * log message takes no `%s` arguments: build it with a template literal.
 *
 * ```ts
 * throw new HTTPError(404, `no user ${userId}`, { reason: "Nobody Here" });
 * ```
 */
export class HTTPError extends WebError {
  override readonly name: string = "HTTPError";
  /** Stable code for programs to branch on. */
  override readonly code: string = "T_ERR_HTTP";
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

/** `reverseUrl` was given an unknown name, the wrong number of arguments, or an irreversible pattern. */
export class ReverseUrlError extends WebError {
  override readonly name = "ReverseUrlError";
  override readonly code = "T_ERR_REVERSE_URL";
}

/** The response headers were already sent, so they (or the status, or a redirect) cannot change. */
export class HeadersWrittenError extends WebError {
  override readonly name = "HeadersWrittenError";
  override readonly code = "T_ERR_HEADERS_WRITTEN";
}

/** `write()`, `flush()` or `finish()` was called after `finish()`. */
export class ResponseFinishedError extends WebError {
  override readonly name = "ResponseFinishedError";
  override readonly code = "T_ERR_RESPONSE_FINISHED";
}

/** A feature needs an application setting that is not set (e.g. signed cookies need `cookieSecret`). */
export class MissingSettingError extends WebError {
  override readonly name = "MissingSettingError";
  override readonly code = "T_ERR_MISSING_SETTING";
  /** The name of the missing setting. */
  readonly setting: string;

  constructor(setting: string, feature: string) {
    super(`You must define the '${setting}' setting in your Application to use ${feature}`);
    this.setting = setting;
  }
}

/** A template could not be found, compiled or rendered; `cause` holds the engine's error. */
export class TemplateError extends WebError {
  override readonly name = "TemplateError";
  override readonly code = "T_ERR_TEMPLATE";
}

/** The reason of a handler's `signal` when the server began a graceful shutdown. */
export class ServerDrainingError extends WebError {
  override readonly name = "ServerDrainingError";
  override readonly code = "T_ERR_SERVER_DRAINING";
}

/** The reason of a handler's `signal` when the client closed the connection first. */
export class ClientGoneError extends WebError {
  override readonly name = "ClientGoneError";
  override readonly code = "T_ERR_CLIENT_GONE";
}

/**
 * Every code of this package, by class name (the README's Errors table lists each; `Finish`, in
 * `finish.ts`, is a control-flow signal rather than an error). Compare `err.code` with these
 * rather than using `instanceof` across package boundaries: a program may load two copies of
 * @t/web.
 */
export const ERROR_CODES = Object.freeze({
  WebError: "T_ERR_WEB",
  HTTPError: "T_ERR_HTTP",
  MissingArgumentError: "T_ERR_MISSING_ARGUMENT",
  ReverseUrlError: "T_ERR_REVERSE_URL",
  HeadersWrittenError: "T_ERR_HEADERS_WRITTEN",
  ResponseFinishedError: "T_ERR_RESPONSE_FINISHED",
  MissingSettingError: "T_ERR_MISSING_SETTING",
  TemplateError: "T_ERR_TEMPLATE",
  ServerDrainingError: "T_ERR_SERVER_DRAINING",
  ClientGoneError: "T_ERR_CLIENT_GONE",
  Finish: "T_ERR_FINISH",
} as const);
