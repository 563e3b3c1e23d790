// Error classes of @t/ioloop, each with a stable `code` a program may branch on.

/** Base class of every error this package throws; `code` is stable across versions. */
export class IOLoopError extends Error {
  /** Stable machine-readable code, e.g. `T_ERR_FD_REGISTERED`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IOLoopError";
    this.code = code;
  }
}

/**
 * A bounded wait did not finish within its `timeoutMs`: `runSync`, or a lock, semaphore, event,
 * condition or queue call given `timeoutMs` (Tornado's `gen.TimeoutError`).
 */
export class TimeoutError extends IOLoopError {
  declare readonly code: "T_ERR_TIMEOUT";
  constructor(message: string, options?: { cause?: unknown }) {
    super("T_ERR_TIMEOUT", message, options);
    this.name = "TimeoutError";
  }
}

/** `addHandler` was called for a descriptor that already has a handler on this loop. */
export class FdRegisteredError extends IOLoopError {
  declare readonly code: "T_ERR_FD_REGISTERED";
  /** The descriptor that was already registered. */
  readonly fd: number;
  constructor(fd: number) {
    super(
      "T_ERR_FD_REGISTERED",
      `fd ${fd} already has a handler on this IOLoop; call updateHandler() to change its events or removeHandler() first`,
    );
    this.name = "FdRegisteredError";
    this.fd = fd;
  }
}

/** `updateHandler` was called for a descriptor that has no handler on this loop. */
export class FdUnknownError extends IOLoopError {
  declare readonly code: "T_ERR_FD_UNKNOWN";
  /** The descriptor that was not registered. */
  readonly fd: number;
  constructor(fd: number) {
    super("T_ERR_FD_UNKNOWN", `fd ${fd} has no handler on this IOLoop; call addHandler() first`);
    this.name = "FdUnknownError";
    this.fd = fd;
  }
}

/** The loop was used after `close()`. */
export class LoopClosedError extends IOLoopError {
  declare readonly code: "T_ERR_LOOP_CLOSED";
  constructor(operation: string) {
    super("T_ERR_LOOP_CLOSED", `${operation}: the IOLoop is closed`);
    this.name = "LoopClosedError";
  }
}

/** `start()` or `runSync()` was called on a loop that is already running. */
export class LoopRunningError extends IOLoopError {
  declare readonly code: "T_ERR_LOOP_RUNNING";
  constructor(operation: string) {
    super("T_ERR_LOOP_RUNNING", `${operation}: the IOLoop is already running; stop() it first`);
    this.name = "LoopRunningError";
  }
}

/** `runSync()` ended because the loop was stopped (or closed) before its function settled. */
export class LoopStoppedError extends IOLoopError {
  declare readonly code: "T_ERR_LOOP_STOPPED";
  constructor(operation: string) {
    super("T_ERR_LOOP_STOPPED", `${operation}: the IOLoop was stopped before the function settled`);
    this.name = "LoopStoppedError";
  }
}

/**
 * A waiting call (`acquire`, `wait`, `get`, `put`, `join`, `runOnExecutor`'s wait…) gave up
 * because its `AbortSignal` fired. `cause` is the signal's `reason`. Its `name` is
 * `"AbortError"`, as for Node's own abortable calls.
 */
export class AbortError extends IOLoopError {
  declare readonly code: "T_ERR_ABORTED";
  constructor(operation = "operation", options?: { cause?: unknown }) {
    super("T_ERR_ABORTED", `${operation} was aborted`, options);
    this.name = "AbortError";
  }
}

/** `Queue.getNowait()` found the queue empty (Tornado's `QueueEmpty`). */
export class QueueEmptyError extends IOLoopError {
  declare readonly code: "T_ERR_QUEUE_EMPTY";
  constructor(message = "the queue is empty") {
    super("T_ERR_QUEUE_EMPTY", message);
    this.name = "QueueEmptyError";
  }
}

/** `Queue.putNowait()` found the queue at its `maxsize` (Tornado's `QueueFull`). */
export class QueueFullError extends IOLoopError {
  declare readonly code: "T_ERR_QUEUE_FULL";
  constructor(message = "the queue is full") {
    super("T_ERR_QUEUE_FULL", message);
    this.name = "QueueFullError";
  }
}

/**
 * A `BoundedSemaphore` was released above its initial value, or a `Lock` that is not held was
 * released: a release without a matching acquire (a programmer error).
 */
export class TooManyReleasesError extends IOLoopError {
  declare readonly code: "T_ERR_TOO_MANY_RELEASES";
  constructor(message = "released more times than acquired") {
    super("T_ERR_TOO_MANY_RELEASES", message);
    this.name = "TooManyReleasesError";
  }
}

/** `Queue.taskDone()` was called more times than items were put (a programmer error). */
export class TaskDoneError extends IOLoopError {
  declare readonly code: "T_ERR_TOO_MANY_TASK_DONE";
  constructor(message = "taskDone() called more times than items were put") {
    super("T_ERR_TOO_MANY_TASK_DONE", message);
    this.name = "TaskDoneError";
  }
}
