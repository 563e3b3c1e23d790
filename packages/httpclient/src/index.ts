// @t/httpclient public API (re-exports only).

export { AsyncHTTPClient, type AsyncHTTPClientOptions } from "./async-http-client.js";
export type { PoolStats } from "./connection-pool.js";
export {
  AsyncHTTPClientError,
  ERROR_CODES,
  HTTPAbortError,
  HTTPClientClosedError,
  HTTPClientError,
  HTTPConnectionError,
  HTTPMalformedResponseError,
  HTTPProxyError,
  HTTPResponseTooLargeError,
  HTTPTimeoutError,
  HTTPTooManyRedirectsError,
  type ResponseLimit,
  type TimeoutPhase,
} from "./errors.js";
export {
  HTTPRequest,
  type PemInput,
  type RequestBody,
  type RequestOptions,
} from "./http-request.js";
export { HTTPResponse, HTTPResponseStream, type StatusError } from "./http-response.js";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_EXPECT_CONTINUE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_SIZE,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CONNECTIONS_PER_HOST,
  DEFAULT_MAX_HEADER_SIZE,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_TRAILER_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_INTERIM_RESPONSES,
} from "./limits.js";
