// @t/iostream public API.

export {
  BaseIOStream,
  type ChunksOptions,
  type DataConsumer,
  type MaxBytesOptions,
  type PartialReadOptions,
  type ReadOptions,
} from "./base-iostream.js";
export { ConnectionSweeper, type Sweepable, sweepIntervalFor } from "./connection-sweeper.js";
export {
  CalledProcessError,
  ERROR_CODES,
  IOStreamError,
  ReadPendingError,
  StreamBufferFullError,
  StreamClosedError,
  StreamStateError,
  UnsatisfiableReadError,
} from "./errors.js";
export { FdIOStream } from "./fd-iostream.js";
export { IOStream } from "./iostream.js";
export {
  DEFAULT_MAX_BUFFER_SIZE,
  DEFAULT_READ_CHUNK_SIZE,
  type IOStreamOptions,
  SERVER_WRITE_HIGH_WATER_MARK,
  type StreamLimits,
} from "./options.js";
export { PipeIOStream } from "./pipe-iostream.js";
export {
  type CiphertextTransport,
  DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
  SSLIOStream,
  type TlsStartOptions,
} from "./ssl-iostream.js";
export {
  type StdioOption,
  Subprocess,
  type SubprocessOptions,
  type WaitForExitOptions,
} from "./subprocess.js";
export { type SystemErrorShape, systemError } from "./system-error.js";
