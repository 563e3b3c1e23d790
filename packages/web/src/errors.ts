// Error classes of @t/web, each with a stable `code` (HTTPError lives in http-error.ts).

export { HTTPError, MissingArgumentError } from "./http-error.js";

/** `reverseUrl` was given an unknown name, the wrong number of arguments, or an irreversible pattern. */
export class ReverseUrlError extends Error {
  override readonly name = "ReverseUrlError";
  readonly code = "T_ERR_REVERSE_URL" as const;
}

/** The response headers were already sent, so they (or the status, or a redirect) cannot change. */
export class HeadersWrittenError extends Error {
  override readonly name = "HeadersWrittenError";
  readonly code = "T_ERR_HEADERS_WRITTEN" as const;
}

/** `write()`, `flush()` or `finish()` was called after `finish()`. */
export class ResponseFinishedError extends Error {
  override readonly name = "ResponseFinishedError";
  readonly code = "T_ERR_RESPONSE_FINISHED" as const;
}

/** A feature needs an application setting that is not set (e.g. signed cookies need `cookieSecret`). */
export class MissingSettingError extends Error {
  override readonly name = "MissingSettingError";
  readonly code = "T_ERR_MISSING_SETTING" as const;
  /** The name of the missing setting. */
  readonly setting: string;

  constructor(setting: string, feature: string) {
    super(`You must define the '${setting}' setting in your Application to use ${feature}`);
    this.setting = setting;
  }
}

/** A template could not be found, compiled or rendered; `cause` holds the engine's error. */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
  readonly code = "T_ERR_TEMPLATE" as const;
}

/** The reason of a handler's `signal` when the server began a graceful shutdown. */
export class ServerDrainingError extends Error {
  override readonly name = "ServerDrainingError";
  readonly code = "T_ERR_SERVER_DRAINING" as const;
}

/** The reason of a handler's `signal` when the client closed the connection first. */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
  readonly code = "T_ERR_CLIENT_GONE" as const;
}
