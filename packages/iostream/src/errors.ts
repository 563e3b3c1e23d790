// Error classes of @t/iostream, each with a stable `code`.

/**
 * Base class of every error @t/iostream throws: catch them all with `instanceof IOStreamError`
 * (within one installed copy of the package) or branch on `code`, which is stable across
 * versions and copies. The base's own code, `T_ERR_IOSTREAM`, is never thrown by the package
 * itself.
 */
export class IOStreamError extends Error {
  override readonly name: string = "IOStreamError";
  /** Stable machine-readable code, e.g. `T_ERR_STREAM_CLOSED`. */
  readonly code: string = "T_ERR_IOSTREAM";
}

/**
 * A read or write was attempted on a closed stream, or the stream closed while an operation was
 * pending. `realError` (also `cause`) is the error that closed it, if any (Tornado's `real_error`).
 */
export class StreamClosedError extends IOStreamError {
  override readonly name = "StreamClosedError";
  override readonly code = "T_ERR_STREAM_CLOSED";
  /** The underlying error that closed the stream (ECONNRESET, a TLS alert, …), or undefined. */
  readonly realError: Error | undefined;
  constructor(realError?: Error, message?: string) {
    super(
      message ?? (realError ? `Stream is closed: ${realError.message}` : "Stream is closed"),
      realError ? { cause: realError } : undefined,
    );
    this.realError = realError;
  }
}

/** A delimiter or regex was not found within `maxBytes`; the stream is closed. */
export class UnsatisfiableReadError extends IOStreamError {
  override readonly name = "UnsatisfiableReadError";
  override readonly code = "T_ERR_UNSATISFIABLE_READ";
}

/** The read buffer exceeded `maxBufferSize` (stream closed) or a write exceeded `maxWriteBufferSize`. */
export class StreamBufferFullError extends IOStreamError {
  override readonly name = "StreamBufferFullError";
  override readonly code = "T_ERR_STREAM_BUFFER_FULL";
}

/** A second read was started while one was still pending (one read at a time). */
export class ReadPendingError extends IOStreamError {
  override readonly name = "ReadPendingError";
  override readonly code = "T_ERR_READ_PENDING";
}

/** The stream cannot do what was asked in its current state (e.g. startTls with data buffered). */
export class StreamStateError extends IOStreamError {
  override readonly name = "StreamStateError";
  override readonly code = "T_ERR_STREAM_STATE";
}

/**
 * A child run by `Subprocess` exited with a non-zero status, or was killed, and
 * `waitForExit({ raiseError: true })` was asked to treat that as an error (Python's
 * `subprocess.CalledProcessError`).
 */
export class CalledProcessError extends IOStreamError {
  override readonly name = "CalledProcessError";
  override readonly code = "T_ERR_CALLED_PROCESS";
  /** The exit status, or minus the signal number when a signal ended the child. */
  readonly returncode: number;
  /** The signal that ended the child (`"SIGTERM"`), or null when it exited. */
  readonly signal: NodeJS.Signals | null;
  /** The command and its arguments. */
  readonly command: readonly string[];
  constructor(
    returncode = 1,
    command: readonly string[] = [],
    signal: NodeJS.Signals | null = null,
  ) {
    super(
      `Command ${JSON.stringify(command)} ${
        signal === null ? `exited with status ${returncode}` : `was killed by ${signal}`
      }`,
    );
    this.returncode = returncode;
    this.signal = signal;
    this.command = command;
  }
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/iostream.
 */
export const ERROR_CODES = Object.freeze({
  IOStreamError: "T_ERR_IOSTREAM",
  StreamClosedError: "T_ERR_STREAM_CLOSED",
  UnsatisfiableReadError: "T_ERR_UNSATISFIABLE_READ",
  StreamBufferFullError: "T_ERR_STREAM_BUFFER_FULL",
  ReadPendingError: "T_ERR_READ_PENDING",
  StreamStateError: "T_ERR_STREAM_STATE",
  CalledProcessError: "T_ERR_CALLED_PROCESS",
} as const);
