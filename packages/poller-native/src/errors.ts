// errors.ts: the package's own error classes (system errors from the kernel are plain Node-shaped Errors).

/** The native binary could not be found or loaded for this platform. */
export class NativeLoadError extends Error {
  /** Stable code to branch on. */
  readonly code = "T_ERR_NATIVE_LOAD";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NativeLoadError";
  }
}

/** A method that needs an open poller was called after `Poller.close()`. */
export class PollerClosedError extends Error {
  /** Stable code to branch on. */
  readonly code = "T_ERR_POLLER_CLOSED";
  constructor(method: string) {
    super(`Poller.${method}() called after Poller.close(); create a new Poller`);
    this.name = "PollerClosedError";
  }
}

/** Every code this package's own error classes use (the README lists them). */
export const ERROR_CODES = ["T_ERR_NATIVE_LOAD", "T_ERR_POLLER_CLOSED"] as const;
