// Public API of @t/tcpserver (re-exports only).

export {
  type AcceptHandlerOptions,
  addAcceptHandler,
  DEFAULT_MAX_ACCEPTS_PER_EVENT,
  MAX_BACKOFF_MS,
  MIN_BACKOFF_MS,
} from "./accept-handler.js";
export {
  type BindOptions,
  type BindUnixOptions,
  bindSockets,
  bindUnixSocket,
  DEFAULT_BACKLOG,
} from "./bind-sockets.js";
export {
  CachingResolver,
  type CachingResolverOptions,
  DEFAULT_RESOLVER_CACHE_MAX_ENTRIES,
  DEFAULT_RESOLVER_CACHE_TTL_MS,
} from "./caching-resolver.js";
export {
  BindError,
  ConnectTimeoutError,
  ERROR_CODES,
  NoAddressError,
  ServerStateError,
  TCPServerError,
  TooManyRestartsError,
} from "./errors.js";
export {
  type ConnectAttempt,
  Connector,
  DEFAULT_SECONDARY_DELAY_MS,
  type ResolvedAddress,
} from "./happy-eyeballs.js";
export { type OverrideMapping, OverrideResolver } from "./override-resolver.js";
export {
  DEFAULT_MAX_RESTARTS,
  type ForkOptions,
  forkProcesses,
  isSupervisor,
  taskId,
} from "./process.js";
export {
  DefaultResolver,
  defaultResolver,
  type ResolveFunction,
  type ResolveOptions,
  type Resolver,
} from "./resolver.js";
export { installSignalHandlers, type SignalHandlerOptions } from "./signals.js";
export {
  type ConnectOptions,
  TCPClient,
  type TCPClientOptions,
} from "./tcp-client.js";
export {
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  type ShutdownOptions,
  type StreamHandler,
  TCPServer,
  type TCPServerOptions,
} from "./tcp-server.js";
