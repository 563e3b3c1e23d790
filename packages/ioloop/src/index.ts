// Public API of @t/ioloop.

export { ERROR, type PollerBackend, READ, WRITE } from "@t/poller-native";
export {
  FdRegisteredError,
  FdUnknownError,
  IOLoopError,
  LoopClosedError,
  LoopRunningError,
  LoopStoppedError,
  TimeoutError,
} from "./errors.js";
export type { ExecutorOptions, ExecutorTask } from "./executor.js";
export {
  type FdHandler,
  IOLoop,
  type IOLoopOptions,
  type TimeoutHandle,
} from "./ioloop.js";
export { BoundedLineWriter, DEFAULT_MAX_QUEUED_LOG_BYTES } from "./line-writer.js";
export {
  createDefaultLogger,
  type DefaultLoggerOptions,
  type Logger,
  type LogLevel,
} from "./logger.js";
export { PeriodicCallback } from "./periodic-callback.js";
