// @t/web public API.

export {
  type AccessLogFields,
  accessLogFields,
  formatAccessLine,
  type LoggedHandler,
} from "./access-log.js";
export { Application } from "./application.js";
export { TemplateModule, type TemplateResources } from "./builtin-ui-modules.js";
export { constantTimeEqual, constantTimeEqualBuffers } from "./constant-time.js";
export { type CookieOptions, formatSetCookie, quoteCookieValue } from "./cookies/set-cookie.js";
export {
  type CookieSecret,
  type CreateSignedValueOptions,
  createSignedValue,
  type DecodeSignedValueOptions,
  decodeSignedValue,
  getSignatureKeyVersion,
  signedValueVersion,
} from "./cookies/signed-value.js";
export { addslash, authenticated, removeslash, streamRequestBody } from "./decorators.js";
export { ErrorHandler } from "./error-handler.js";
export {
  ClientGoneError,
  ERROR_CODES,
  HeadersWrittenError,
  HTTPError,
  MissingArgumentError,
  MissingSettingError,
  ResponseFinishedError,
  ReverseUrlError,
  ServerDrainingError,
  TemplateError,
  WebError,
} from "./errors.js";
export {
  jsonDecode,
  jsonEncode,
  type LinkifyOptions,
  linkify,
  squeeze,
  urlEscape,
  urlUnescape,
  urlUnescapeToBuffer,
  xhtmlEscape,
  xhtmlUnescape,
} from "./escape.js";
export { computeEtag, etagMatches } from "./etag.js";
export { Finish } from "./finish.js";
export { acceptsGzip, GZIP_LEVEL, GZIP_MIN_LENGTH, GzipTransform } from "./gzip-transform.js";
export type { HandlerHost } from "./handler-host.js";
export {
  AnyMatches,
  DefaultHostMatches,
  type DefaultHostSource,
  HostMatches,
  Matcher,
  PathMatches,
  type RouteParams,
} from "./matchers.js";
export { contentTypeForFile, guessType, isCompressibleType } from "./mime-types.js";
export {
  mountNodeHandler,
  NodeHandlerContainer,
  type NodeRequestListener,
  toNodeHeaders,
} from "./node-handler.js";
export {
  type NunjucksEnvironment,
  NunjucksTemplateEngine,
  type NunjucksTemplateEngineOptions,
} from "./nunjucks-engine.js";
export type {
  OutputTransform,
  OutputTransformClass,
  TransformedFirstChunk,
} from "./output-transform.js";
export { type ByteRange, formatContentRange, parseRangeHeader } from "./range.js";
export { RedirectHandler } from "./redirect-handler.js";
export {
  type ErrorInfo,
  type HandlerClass,
  RequestHandler,
  type SignedCookieOptions,
} from "./request-handler.js";
export {
  currentRequestId,
  type RequestIdConfig,
  type RequestIdOptions,
  requestIdStorage,
} from "./request-id.js";
export {
  compileHostPattern,
  findRoute,
  type HostRule,
  type PathMatch,
  type RouteMatch,
  type RouteSpec,
  type RouteTuple,
  toURLSpecs,
  URLSpec,
} from "./routing.js";
export {
  ReversibleRouter,
  ReversibleRuleRouter,
  Router,
  Rule,
  RuleRouter,
  type RuleRouterOptions,
  type RuleSpec,
  type RuleTarget,
} from "./rule-router.js";
export {
  type ApplicationSettings,
  checkSettings,
  knownSettings,
  registerSettings,
} from "./settings.js";
export {
  STATIC_CACHE_MAX_AGE,
  STATIC_CHUNK_SIZE,
  type StaticContent,
  StaticFileHandler,
} from "./static-file-handler.js";
export {
  EtaTemplateEngine,
  type EtaTemplateEngineOptions,
  type TemplateEngine,
} from "./template.js";
export {
  defaultWhitespaceMode,
  type TornadoTranslateOptions,
  translateTornadoTemplate,
  type WhitespaceMode,
} from "./tornado-template-syntax.js";
export {
  isUIModuleClass,
  UIModule,
  type UIModuleClass,
  type UIModuleFiles,
  type UIModuleHandler,
} from "./ui-module.js";
export type { UIMethod, UIMethodsSetting, UIModulesSetting } from "./ui-registry.js";
export { type UrlConcatArgs, urlConcat } from "./url-concat.js";
export {
  decodeXsrfToken,
  encodeXsrfToken,
  newXsrfTokenBytes,
  type XsrfToken,
  xorMask,
} from "./xsrf.js";
