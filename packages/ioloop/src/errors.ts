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

/** `runSync` (or another bounded wait) did not finish within its `timeoutMs`. */
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
