// system-error.ts: the shape of thrown kernel errors, errno tables and errno names.
import { native } from "./native.js";

/**
 * Thrown for unexpected kernel failures; shaped like Node's system errors.
 * Example message: `bind EADDRINUSE 127.0.0.1:8080 (fd 17): address already in use`.
 */
export interface SystemError extends Error {
  /** Errno name, e.g. `"EADDRINUSE"`. */
  code: string;
  /** Negative errno, like Node (`-98` for EADDRINUSE on Linux). */
  errno: number;
  /** The failing call, e.g. `"bind"`. */
  syscall: string;
  /** The descriptor involved, when there is one. */
  fd?: number;
  /** The IP address or Unix socket path involved, when there is one. */
  address?: string;
  /** The port involved (with `address`), when there is one. */
  port?: number;
}

/** Whether `e` is an Error carrying `code`, `errno` and `syscall` (ours or Node's). */
export function isSystemError(e: unknown): e is SystemError {
  if (!(e instanceof Error)) return false;
  const x = e as Partial<SystemError>;
  return typeof x.code === "string" && typeof x.errno === "number" && typeof x.syscall === "string";
}

/**
 * errno numbers of this platform (positive, like `os.constants.errno`): EAGAIN, EWOULDBLOCK,
 * EINPROGRESS, EINTR, ECONNREFUSED, ECONNRESET, EPIPE, EADDRINUSE, EBADF, EMFILE, ENFILE,
 * ENOTCONN, ETIMEDOUT, EEXIST, ENOENT, EINVAL, … Calls return them negated: `read(...) === -errno.EAGAIN`.
 */
export const errno: Readonly<Record<string, number>> = native.errno;

/** Name of a negative errno, e.g. `errnoName(-11) === "EAGAIN"` on Linux. */
export function errnoName(negErrno: number): string {
  if (typeof negErrno !== "number" || !Number.isInteger(negErrno) || negErrno >= 0) {
    throw new RangeError(`negErrno must be a negative integer, got ${String(negErrno)}`);
  }
  return native.errnoName(negErrno);
}
