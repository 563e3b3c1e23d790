// errors.ts: the package's own error classes (kernel errors are Node-shaped Errors; see system-error.ts).

/**
 * Base class of every error class of @t/poller-native: catch them all with
 * `instanceof PollerError` (within one installed copy of the package) or branch on `code`, which
 * is stable across versions and copies. The base's own code, `T_ERR_POLLER_NATIVE`, is never
 * thrown by the package itself. Kernel failures are not PollerErrors: they are Node-shaped system
 * errors whose `code` is the errno name (see `systemError`).
 */
export class PollerError extends Error {
  override readonly name: string = "PollerError";
  /** Stable machine-readable code, e.g. `T_ERR_POLLER_CLOSED`. */
  readonly code: string = "T_ERR_POLLER_NATIVE";
}

/** The native binary could not be found or loaded for this platform. */
export class NativeLoadError extends PollerError {
  override readonly name = "NativeLoadError";
  override readonly code = "T_ERR_NATIVE_LOAD";
}

/** A method that needs an open poller was called after `Poller.close()`. */
export class PollerClosedError extends PollerError {
  override readonly name = "PollerClosedError";
  override readonly code = "T_ERR_POLLER_CLOSED";
  /** @param method - the Poller method that was called, e.g. `"add"`. */
  constructor(method?: string) {
    super(`Poller.${method ?? "<method>"}() called after Poller.close(); create a new Poller`);
  }
}

/**
 * Every code of this package's own error classes, by class name (the README's Errors table lists
 * each). Compare `err.code` with these rather than using `instanceof` across package boundaries:
 * a program may load two copies of @t/poller-native.
 */
export const ERROR_CODES = Object.freeze({
  PollerError: "T_ERR_POLLER_NATIVE",
  NativeLoadError: "T_ERR_NATIVE_LOAD",
  PollerClosedError: "T_ERR_POLLER_CLOSED",
} as const);
