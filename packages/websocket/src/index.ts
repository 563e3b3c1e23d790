// Public API of @t/websocket (re-exports only).

export {
  CLOSE_ABNORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_INVALID_PAYLOAD,
  CLOSE_MANDATORY_EXTENSION,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_NO_STATUS,
  CLOSE_NORMAL,
  CLOSE_POLICY_VIOLATION,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_UNSUPPORTED_DATA,
  isValidCloseCode,
} from "./close-codes.js";
export { webSocketCloseChannel, webSocketOpenChannel } from "./diagnostics.js";
export {
  ERROR_CODES,
  WebSocketBufferFullError,
  WebSocketClosedError,
  WebSocketError,
  WebSocketHandshakeError,
  WebSocketProtocolError,
  WebSocketTimeoutError,
} from "./errors.js";
export { type ExtensionOffer, parseExtensions } from "./extension-header.js";
export { FrameParser, type FrameParserOptions, type FrameSink } from "./frame-parser.js";
export { encodeFrame, encodeHeader, headerSize } from "./frame-writer.js";
export {
  checkUpgradeRequest,
  checkUpgradeResponse,
  computeAcceptKey,
  generateKey,
  type HandshakeRejection,
  type HeaderSource,
  isValidKey,
  WS_GUID,
  WS_VERSION,
} from "./handshake.js";
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_FRAGMENTS_PER_MESSAGE,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_WRITE_BUFFER_SIZE,
  DEFAULT_WRITE_HIGH_WATER_MARK,
} from "./limits.js";
export { applyMask } from "./masking.js";
export type {
  MessagesOptions,
  WebSocketMessage,
} from "./message-inbox.js";
export {
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
} from "./opcodes.js";
export {
  acceptServerResponse,
  type CompressionOptions,
  clientOffer,
  type DeflateParams,
  negotiateServer,
  PerMessageDeflate,
} from "./permessage-deflate.js";
export { Utf8Validator } from "./utf8-validator.js";
export {
  WebSocketClientConnection,
  type WebSocketConnectOptions,
  websocketConnect,
} from "./websocket-client.js";
export {
  type WebSocketCloseMessage,
  WebSocketConnection,
  type WebSocketConnectionOptions,
  type WebSocketDelegate,
  type WebSocketOpenMessage,
  type WriteMessageData,
} from "./websocket-connection.js";
export { WEBSOCKET_SETTINGS, WebSocketHandler } from "./websocket-handler.js";
