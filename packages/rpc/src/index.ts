// @t/rpc public API.

export { Backoff, type BackoffOptions } from "./backoff.js";
export {
  RpcDisconnectedError,
  RpcDuplicateMethodError,
  RpcEncodeError,
  RpcError,
  RpcFrameTooLargeError,
  RpcHandlerTimeoutError,
  RpcMethodNotFoundError,
  RpcProtocolError,
  RpcRemoteError,
  RpcShuttingDownError,
  RpcTimeoutError,
  RpcUnknownClientError,
  type WireError,
} from "./errors.js";
export { FrameReader, FrameWriter } from "./frame-codec.js";
export {
  type CallOptions,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
} from "./options.js";
export {
  DEFAULT_MAX_FRAME_BYTES,
  FATAL,
  HELLO,
  LENGTH_PREFIX_BYTES,
  NOTIFY,
  REQUEST,
  RESPONSE,
} from "./protocol.js";
export {
  type CallContext,
  type Handler,
  MethodRegistry,
  type RegisterModuleOptions,
  type RegisterOptions,
} from "./registry.js";
export {
  type ConnectOptions,
  RpcClient,
  type RpcClientEvents,
  type RpcClientOptions,
} from "./rpc-client.js";
export { RpcConnection, type RpcConnectionOptions } from "./rpc-connection.js";
export {
  type PeerAddress,
  RpcServer,
  type RpcServerEvents,
  type RpcServerOptions,
} from "./rpc-server.js";
