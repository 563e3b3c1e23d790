// system-error.ts: kernel errors: their shape, the one factory that builds them, errno tables and names.
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

/** What {@link systemError} needs to know about a failed call. */
export interface SystemErrorOptions {
  /**
   * The error number: negative as the calls return it and as {@link SystemError.errno} carries it
   * (`-errno.ECONNREFUSED`), or positive as `getsockopt(fd, SOL_SOCKET, SO_ERROR)` yields it.
   */
  errno: number;
  /** The failing call, e.g. `"connect"` (at most 63 bytes). */
  syscall: string;
  /** The descriptor involved, if any. */
  fd?: number;
  /** The IP address or Unix socket path involved, if any (at most 255 bytes). */
  address?: string;
  /** The port involved, if any; shown and set only together with `address` (0..65535). */
  port?: number;
}

/**
 * Builds (does not throw) the error the addon throws when a call fails: the same message
 * (`connect ECONNREFUSED 127.0.0.1:8080 (fd 17): connection refused`), `code`, negative `errno`,
 * `syscall`, and `fd`, `address` and `port` when given — C++ and this function share one
 * formatter. Use it for failures learned without a throw, such as `SO_ERROR` after a
 * non-blocking connect.
 * @throws TypeError or RangeError for arguments of the wrong type or out of range.
 */
export function systemError(options: SystemErrorOptions): SystemError {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object { errno, syscall, fd?, address?, port? }");
  }
  const { errno: n, syscall, fd, address, port } = options;
  if (typeof address === "string" && address.includes("\0")) {
    throw new TypeError("address must not contain NUL bytes");
  }
  const negErrno = typeof n === "number" && n > 0 ? -n : n;
  return native.systemError(negErrno, syscall, fd, address, port) as SystemError;
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
