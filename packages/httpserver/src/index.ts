// @t/httpserver public API.

export { BodyAccumulator } from "./body-accumulator.js";
export {
  DEFAULT_FORM_LIMITS,
  emptyArguments,
  type FormLimits,
  formKind,
  type HTTPArguments,
  type HTTPFile,
  type HTTPFiles,
  parseBodyArguments,
  parseHeaderParams,
  parseMultipartFormData,
  parseQueryString,
} from "./body-arguments.js";
export { isSafeFieldValue, isToken } from "./char-classes.js";
export { ChunkedDecoder, type ChunkSink, MAX_CHUNK_EXTENSION_BYTES } from "./chunked-decoder.js";
export { ConnectionSweeper, type Sweepable, sweepIntervalFor } from "./connection-sweeper.js";
export { parseCookie, unquoteCookie } from "./cookies.js";
export { currentHttpDate, formatHttpDate } from "./date-header.js";
export type {
  HTTPConnection,
  HTTPMessageDelegate,
  HTTPServerConnectionDelegate,
} from "./delegates.js";
export {
  type RequestErrorMessage,
  type RequestStartMessage,
  type ResponseFinishMessage,
  requestErrorChannel,
  requestStartChannel,
  responseFinishChannel,
} from "./diagnostics.js";
export {
  ERROR_CODES,
  HTTPConnectionClosedError,
  HTTPInputError,
  HTTPOutputError,
  HTTPServerError,
} from "./errors.js";
export { HTTPHeaders, type HTTPHeadersInit } from "./http-headers.js";
export { HTTPServer, type HTTPServerDelegate } from "./http-server.js";
export {
  HTTP_SERVER_DEFAULTS,
  type HTTP1ConnectionParameters,
  type HTTPServerOptions,
  PIPELINE_HIGH_WATER_MARK,
} from "./http-server-options.js";
export { HTTPServerRequest, type HTTPServerRequestInit } from "./http-server-request.js";
export { HTTP1Connection } from "./http1-connection.js";
export { HTTP1ServerConnection } from "./http1-server-connection.js";
export { latin1 } from "./latin1.js";
export type { RequestCallback } from "./request-callback-adapter.js";
export { findHeadEnd } from "./request-head-parser.js";
export {
  parseRequestStartLine,
  parseResponseStartLine,
  type RequestStartLine,
  type ResponseStartLine,
} from "./start-line.js";
