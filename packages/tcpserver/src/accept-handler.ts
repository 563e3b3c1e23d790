// addAcceptHandler: accept connections on a listening socket in bounded batches, backing off on EMFILE/ENFILE.

import { IOLoop, READ, type TimeoutHandle } from "@t/ioloop";
import {
  accept,
  decodeSockaddr,
  errno,
  isSystemError,
  SOCKADDR_SIZE,
  type SocketAddress,
} from "@t/poller-native";

/** Options of {@link addAcceptHandler}. */
export interface AcceptHandlerOptions {
  /** Loop that watches the listening socket. Default `IOLoop.current()`. */
  loop?: IOLoop;
  /** Most connections accepted per readiness event before yielding to other work. Default 128. */
  maxAcceptsPerEvent?: number;
}

/** Tornado accepts up to its default backlog per event. */
export const DEFAULT_MAX_ACCEPTS_PER_EVENT = 128;
/** First pause after EMFILE/ENFILE; doubles per failed retry up to {@link MAX_BACKOFF_MS}. */
export const MIN_BACKOFF_MS = 1;
/** Longest pause between retries while the process is out of descriptors. */
export const MAX_BACKOFF_MS = 1000;

/** accept(2) failures that mean "out of resources": retry later, do not spin. */
const RESOURCE_ERRORS = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);
/**
 * Network errors Linux reports from accept(2) for a connection that already failed; the man
 * page says to treat them like EAGAIN and accept the next one.
 */
const CONNECTION_ERRORS = new Set([
  "ENETDOWN",
  "EPROTO",
  "ENOPROTOOPT",
  "EHOSTDOWN",
  "ENONET",
  "EHOSTUNREACH",
  "EOPNOTSUPP",
  "ENETUNREACH",
  "EPERM",
]);

/**
 * Call `callback(connFd, address)` for every connection accepted on the listening socket `fd`
 * (Tornado's `netutil.add_accept_handler`). Each readiness event accepts at most
 * `maxAcceptsPerEvent` connections so one busy listener cannot starve the loop. When the
 * process or system runs out of descriptors (EMFILE/ENFILE), the socket is not watched for a
 * back-off period (1 ms doubling to 1 s) and then retried: no spinning, no crash, one warning
 * per episode. The accepted fd is non-blocking and close-on-exec and belongs to the callback.
 * Returns a function that removes the handler (it does not close `fd`).
 */
export function addAcceptHandler(
  fd: number,
  callback: (connFd: number, address: SocketAddress) => void,
  options: AcceptHandlerOptions = {},
): () => void {
  if (!Number.isInteger(fd) || fd < 0) {
    throw new TypeError(`fd must be a non-negative integer descriptor, got ${fd}`);
  }
  if (typeof callback !== "function") throw new TypeError("callback must be a function");
  if (options === null || typeof options !== "object") {
    throw new TypeError("options must be an object");
  }
  const maxAccepts = options.maxAcceptsPerEvent ?? DEFAULT_MAX_ACCEPTS_PER_EVENT;
  if (!Number.isInteger(maxAccepts) || maxAccepts < 1) {
    throw new RangeError(`maxAcceptsPerEvent must be an integer >= 1, got ${maxAccepts}`);
  }
  const loop = options.loop ?? IOLoop.current();
  const peer = Buffer.alloc(SOCKADDR_SIZE);
  const EAGAIN = -errno.EAGAIN;
  const ECONNABORTED = -errno.ECONNABORTED;
  let removed = false;
  let watching = false;
  let backoffMs = 0;
  let timer: TimeoutHandle | null = null;
  let episodeStart = 0;
  let refused = 0;

  const watch = (): void => {
    timer = null;
    if (removed || watching) return;
    loop.addHandler(fd, onReadable, READ);
    watching = true;
  };

  const backOff = (err: Error & { code?: string }): void => {
    loop.removeHandler(fd);
    watching = false;
    if (backoffMs === 0) {
      episodeStart = loop.time();
      refused = 0;
      loop.logger.warn(
        { err },
        `accept on fd ${fd}: ${err.code} (out of file descriptors); pausing accepts, retrying every ${MIN_BACKOFF_MS}..${MAX_BACKOFF_MS} ms`,
      );
      backoffMs = MIN_BACKOFF_MS;
    } else {
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
    refused++;
    timer = loop.callLater(backoffMs, watch);
  };

  const onReadable = (): void => {
    for (let i = 0; i < maxAccepts; i++) {
      if (removed) return;
      let conn: number;
      try {
        conn = accept(fd, peer);
      } catch (err) {
        const code = isSystemError(err) ? err.code : "";
        if (RESOURCE_ERRORS.has(code)) {
          backOff(err as Error & { code: string });
          return;
        }
        if (CONNECTION_ERRORS.has(code)) continue;
        // EBADF, EINVAL, ENOTSOCK: the socket is unusable; stop watching it rather than spin.
        removeHandler();
        loop.logger.error({ err }, `accept on fd ${fd} failed; no longer accepting on it`);
        return;
      }
      if (conn < 0) {
        if (conn === ECONNABORTED) continue;
        if (conn === EAGAIN) return;
        return;
      }
      if (backoffMs !== 0) {
        loop.logger.info(
          `accept on fd ${fd}: accepting again after ${Math.round(loop.time() - episodeStart)} ms out of descriptors (${refused} retries)`,
        );
        backoffMs = 0;
      }
      callback(conn, decodeSockaddr(peer));
    }
  };

  const removeHandler = (): void => {
    if (removed) return;
    removed = true;
    if (watching) {
      loop.removeHandler(fd);
      watching = false;
    }
    if (timer !== null) {
      loop.removeTimeout(timer);
      timer = null;
    }
  };

  watch();
  return removeHandler;
}
