// Error classes of @t/ioloop, each with a stable `code` a program may branch on.

/**
 * Base class of every error @t/ioloop throws: catch them all with `instanceof IOLoopError` (within
 * one installed copy of the package) or branch on `code`, which is stable across versions and
 * copies. The base's own code, `T_ERR_IOLOOP`, is never thrown by the package itself.
 */
export class IOLoopError extends Error {
  override readonly name: string = "IOLoopError";
  /** Stable machine-readable code, e.g. `T_ERR_FD_REGISTERED`. */
  readonly code: string = "T_ERR_IOLOOP";
  /**
   * @param message - what went wrong.
   * @param options - `cause`: the underlying error.
   */
  constructor(message?: string, options?: ErrorOptions);
  /**
   * @deprecated Pass only the message (each subclass sets its own `code`); this form sets `code`
   *   to the given string.
   */
  constructor(code: string, message: string, options?: ErrorOptions);
  constructor(
    messageOrCode?: string,
    messageOrOptions?: string | ErrorOptions,
    options?: ErrorOptions,
  ) {
    if (typeof messageOrOptions === "string") {
      super(messageOrOptions, options);
      this.code = messageOrCode as string;
    } else {
      super(messageOrCode, messageOrOptions);
    }
  }
}

/**
 * A bounded wait did not finish within its `timeoutMs`: `runSync`, or a lock, semaphore, event,
 * condition or queue call given `timeoutMs` (Tornado's `gen.TimeoutError`).
 */
export class TimeoutError extends IOLoopError {
  override readonly name = "TimeoutError";
  override readonly code = "T_ERR_TIMEOUT";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** `addHandler` was called for a descriptor that already has a handler on this loop. */
export class FdRegisteredError extends IOLoopError {
  override readonly name = "FdRegisteredError";
  override readonly code = "T_ERR_FD_REGISTERED";
  /** The descriptor that was already registered. */
  readonly fd: number;
  constructor(fd: number) {
    super(
      `fd ${fd} already has a handler on this IOLoop; call updateHandler() to change its events or removeHandler() first`,
    );
    this.fd = fd;
  }
}

/** `updateHandler` was called for a descriptor that has no handler on this loop. */
export class FdUnknownError extends IOLoopError {
  override readonly name = "FdUnknownError";
  override readonly code = "T_ERR_FD_UNKNOWN";
  /** The descriptor that was not registered. */
  readonly fd: number;
  constructor(fd: number) {
    super(`fd ${fd} has no handler on this IOLoop; call addHandler() first`);
    this.fd = fd;
  }
}

/** The loop was used after `close()`. */
export class LoopClosedError extends IOLoopError {
  override readonly name = "LoopClosedError";
  override readonly code = "T_ERR_LOOP_CLOSED";
  constructor(operation: string) {
    super(`${operation}: the IOLoop is closed`);
  }
}

/** `start()` or `runSync()` was called on a loop that is already running. */
export class LoopRunningError extends IOLoopError {
  override readonly name = "LoopRunningError";
  override readonly code = "T_ERR_LOOP_RUNNING";
  constructor(operation: string) {
    super(`${operation}: the IOLoop is already running; stop() it first`);
  }
}

/** `runSync()` ended because the loop was stopped (or closed) before its function settled. */
export class LoopStoppedError extends IOLoopError {
  override readonly name = "LoopStoppedError";
  override readonly code = "T_ERR_LOOP_STOPPED";
  constructor(operation: string) {
    super(`${operation}: the IOLoop was stopped before the function settled`);
  }
}

/**
 * A waiting call (`acquire`, `wait`, `get`, `put`, `join`, `runOnExecutor`'s wait…) gave up
 * because its `AbortSignal` fired. `cause` is the signal's `reason`. Its `name` is
 * `"AbortError"`, as for Node's own abortable calls.
 */
export class AbortError extends IOLoopError {
  override readonly name = "AbortError";
  override readonly code = "T_ERR_ABORTED";
  constructor(operation = "operation", options?: ErrorOptions) {
    super(`${operation} was aborted`, options);
  }
}

/** `Queue.getNowait()` found the queue empty (Tornado's `QueueEmpty`). */
export class QueueEmptyError extends IOLoopError {
  override readonly name = "QueueEmptyError";
  override readonly code = "T_ERR_QUEUE_EMPTY";
  constructor(message = "the queue is empty") {
    super(message);
  }
}

/** `Queue.putNowait()` found the queue at its `maxsize` (Tornado's `QueueFull`). */
export class QueueFullError extends IOLoopError {
  override readonly name = "QueueFullError";
  override readonly code = "T_ERR_QUEUE_FULL";
  constructor(message = "the queue is full") {
    super(message);
  }
}

/**
 * A `BoundedSemaphore` was released above its initial value, or a `Lock` that is not held was
 * released: a release without a matching acquire (a programmer error).
 */
export class TooManyReleasesError extends IOLoopError {
  override readonly name = "TooManyReleasesError";
  override readonly code = "T_ERR_TOO_MANY_RELEASES";
  constructor(message = "released more times than acquired") {
    super(message);
  }
}

/** `Queue.taskDone()` was called more times than items were put (a programmer error). */
export class TaskDoneError extends IOLoopError {
  override readonly name = "TaskDoneError";
  override readonly code = "T_ERR_TOO_MANY_TASK_DONE";
  constructor(message = "taskDone() called more times than items were put") {
    super(message);
  }
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/ioloop.
 */
export const ERROR_CODES = Object.freeze({
  IOLoopError: "T_ERR_IOLOOP",
  TimeoutError: "T_ERR_TIMEOUT",
  FdRegisteredError: "T_ERR_FD_REGISTERED",
  FdUnknownError: "T_ERR_FD_UNKNOWN",
  LoopClosedError: "T_ERR_LOOP_CLOSED",
  LoopRunningError: "T_ERR_LOOP_RUNNING",
  LoopStoppedError: "T_ERR_LOOP_STOPPED",
  AbortError: "T_ERR_ABORTED",
  QueueEmptyError: "T_ERR_QUEUE_EMPTY",
  QueueFullError: "T_ERR_QUEUE_FULL",
  TooManyReleasesError: "T_ERR_TOO_MANY_RELEASES",
  TaskDoneError: "T_ERR_TOO_MANY_TASK_DONE",
} as const);

/**
 * The `code` of a thrown value (a string), or undefined when it has none. This is how every
 * package of the project recognises an error thrown by another package: a program may load two copies of a
 * package, whose classes differ, so `instanceof` across package boundaries can fail where the
 * code (the stable API) does not.
 *
 * ```ts
 * if (errorCode(err) === "T_ERR_STREAM_CLOSED") return; // the peer went away
 * ```
 */
export function errorCode(err: unknown): string | undefined {
  if (err === null || (typeof err !== "object" && typeof err !== "function")) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
