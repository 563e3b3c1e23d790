// index.ts: public API of @t/poller-native (re-exports only).
export { ERROR_CODES, NativeLoadError, PollerClosedError, PollerError } from "./errors.js";
export { ERROR, READ, WRITE } from "./events.js";
export { binaryPath } from "./native.js";
export {
  backends,
  Poller,
  type PollerBackend,
  type PollerBatchCallback,
  type PollerOptions,
} from "./poller.js";
export { DEFAULT_READ_AHEAD_BYTES, READ_AHEAD_NONE } from "./read-ahead.js";
export {
  accept,
  bind,
  bindUnix,
  close,
  connect,
  connectUnix,
  constants,
  decodeSockaddr,
  getpeername,
  getsockname,
  getsockopt,
  listen,
  noop,
  pipe,
  read,
  SOCKADDR_SIZE,
  type SocketAddress,
  setCloseOnExec,
  setNonBlocking,
  setsockopt,
  shutdown,
  socket,
  socketpair,
  write,
  writev,
} from "./syscalls.js";
export {
  errno,
  errnoName,
  isSystemError,
  type SystemError,
  type SystemErrorOptions,
  systemError,
} from "./system-error.js";
