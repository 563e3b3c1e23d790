// Public API of @t/ioloop.

export { ERROR, type PollerBackend, READ, READ_AHEAD_NONE, WRITE } from "@t/poller-native";
export { Condition } from "./condition.js";
export {
  AbortError,
  ERROR_CODES,
  errorCode,
  FdRegisteredError,
  FdUnknownError,
  IOLoopError,
  LoopClosedError,
  LoopRunningError,
  LoopStoppedError,
  QueueEmptyError,
  QueueFullError,
  TaskDoneError,
  TimeoutError,
  TooManyReleasesError,
} from "./errors.js";
export { Event, type SyncPrimitiveOptions } from "./event.js";
export {
  Executor,
  type ExecutorOptions,
  type ExecutorTask,
  type ExecutorTaskObject,
  type TaskExecutor,
} from "./executor.js";
export {
  type FdHandler,
  IOLoop,
  type IOLoopOptions,
  type TimeoutHandle,
} from "./ioloop.js";
export { BoundedLineWriter, DEFAULT_MAX_QUEUED_LOG_BYTES } from "./line-writer.js";
export { Lock } from "./lock.js";
export {
  createDefaultLogger,
  type DefaultLoggerOptions,
  FIELDS_IN_MESSAGE,
  type Logger,
  type LogLevel,
  namedLogger,
} from "./logger.js";
export { PeriodicCallback } from "./periodic-callback.js";
export {
  compareNatural,
  LifoQueue,
  PriorityQueue,
  type PriorityQueueOptions,
  Queue,
  type QueueOptions,
} from "./queue.js";
export { type RunOnExecutorOptions, runOnExecutor } from "./run-on-executor.js";
export { BoundedSemaphore, type Release, Semaphore } from "./semaphore.js";
export type { WaitOptions } from "./waiters.js";
