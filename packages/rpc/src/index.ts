// @t/rpc public API.

export { Backoff, type BackoffOptions } from "./backoff.js";
export { type RpcCallMessage, rpcCallFinishChannel, rpcCallStartChannel } from "./diagnostics.js";
export {
  ERROR_CODES,
  RpcAuthenticationError,
  RpcDisconnectedError,
  RpcDuplicateClientError,
  RpcDuplicateMethodError,
  RpcEncodeError,
  RpcError,
  RpcFrameTooLargeError,
  RpcHandlerTimeoutError,
  RpcMethodNotFoundError,
  RpcOverloadedError,
  RpcProtocolError,
  RpcRemoteError,
  RpcShuttingDownError,
  RpcTimeoutError,
  RpcUnknownClientError,
  type WireError,
} from "./errors.js";
export { FrameReader, FrameWriter } from "./frame-codec.js";
export { helloMac, MIN_SECRET_BYTES, type Secret } from "./hello-auth.js";
export {
  type CallOptions,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
  DEFAULT_RPC_MAX_WRITE_BUFFER_SIZE,
  DEFAULT_WRITE_TIMEOUT_MS,
  WRITE_HIGH_WATER_MARK,
} from "./options.js";
export {
  DEFAULT_MAX_FRAME_BYTES,
  FATAL,
  HELLO,
  HMAC_BYTES,
  LENGTH_PREFIX_BYTES,
  NONCE_BYTES,
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
export {
  type HelloAuth,
  type HelloRequest,
  type HelloVerdict,
  RpcConnection,
  type RpcConnectionOptions,
} from "./rpc-connection.js";
export {
  type AuthenticateHook,
  type HelloInfo,
  type PeerAddress,
  RpcServer,
  type RpcServerEvents,
  type RpcServerOptions,
  type SecretOption,
} from "./rpc-server.js";
