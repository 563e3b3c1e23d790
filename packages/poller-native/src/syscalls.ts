// syscalls.ts: non-blocking socket and descriptor calls on raw fds (sockets and pipes are NONBLOCK|CLOEXEC).
import { isIP } from "node:net";
import { native } from "./native.js";
import { checkFd, checkInt } from "./validate.js";

/** A socket address as returned by getsockname/getpeername/decodeSockaddr (port 0 for unix). */
export interface SocketAddress {
  family: "IPv4" | "IPv6" | "unix";
  address: string;
  port: number;
}

/**
 * Socket constants of this platform: SOL_SOCKET, SO_ERROR, SO_REUSEADDR, SO_REUSEPORT,
 * SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, IPPROTO_TCP, TCP_NODELAY, IPPROTO_IPV6, IPV6_V6ONLY,
 * SHUT_RD, SHUT_WR, SHUT_RDWR, plus AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, IOV_MAX, …
 */
export const constants: Readonly<Record<string, number>> = native.constants;

/** Bytes a peer-address Buffer for {@link accept} needs (sizeof(struct sockaddr_storage) = 128). */
export const SOCKADDR_SIZE: number = native.SOCKADDR_SIZE;

const C = constants as Record<string, number>;

function sockType(type: unknown): number {
  if (type === "stream") return C.SOCK_STREAM as number;
  if (type === "dgram") return C.SOCK_DGRAM as number;
  throw new TypeError(`type must be "stream" or "dgram", got ${String(type)}`);
}

function checkAddress(address: unknown): void {
  if (typeof address !== "string" || isIP(address) === 0) {
    throw new TypeError(
      `address must be a numeric IPv4 or IPv6 literal (resolve names first), got ${String(address)}`,
    );
  }
}

function checkPort(port: unknown): void {
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(`port must be an integer, got ${String(port)}`);
  }
  if (port < 0 || port > 65535) throw new RangeError(`port must be in 0..65535, got ${port}`);
}

function checkPath(path: unknown): void {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`path must be a non-empty string, got ${String(path)}`);
  }
  if (path.includes("\0")) throw new TypeError("path must not contain NUL bytes");
}

/** Creates a non-blocking, close-on-exec socket: `4` (IPv4), `6` (IPv6) or `"unix"`. */
export function socket(family: 4 | 6 | "unix", type: "stream" | "dgram" = "stream"): number {
  let domain: number;
  if (family === 4) domain = C.AF_INET as number;
  else if (family === 6) domain = C.AF_INET6 as number;
  else if (family === "unix") domain = C.AF_UNIX as number;
  else throw new TypeError(`family must be 4, 6 or "unix", got ${String(family)}`);
  return native.socket(domain, sockType(type));
}

/** Binds to a numeric IPv4/IPv6 literal and port (0 picks a free port; see getsockname). */
export function bind(fd: number, address: string, port: number): void {
  checkFd(fd);
  checkAddress(address);
  checkPort(port);
  native.bind(fd, address, port);
}

/** Binds a unix socket to a filesystem path (at most 107 bytes on Linux). */
export function bindUnix(fd: number, path: string): void {
  checkFd(fd);
  checkPath(path);
  native.bindUnix(fd, path);
}

/** Marks a bound socket as listening with the given accept backlog. */
export function listen(fd: number, backlog: number): void {
  checkFd(fd);
  checkInt("backlog", backlog);
  native.listen(fd, backlog);
}

/**
 * Accepts one connection (accept4 with NONBLOCK|CLOEXEC). Returns the new fd, or a negative errno
 * when there is nothing to accept (`-EAGAIN`) or the peer gave up while queued (`-ECONNABORTED`).
 * If `peer` (a Buffer of at least SOCKADDR_SIZE bytes) is given, the peer address is written into
 * it; decode it with {@link decodeSockaddr}. Other failures (EMFILE, ENFILE, …) throw.
 */
export const accept: (fd: number, peer?: Uint8Array) => number = native.accept;

/** Decodes a sockaddr written by {@link accept} into a {@link SocketAddress}. */
export function decodeSockaddr(buf: Uint8Array): SocketAddress {
  return native.decodeSockaddr(buf);
}

/**
 * Starts connecting to a numeric IPv4/IPv6 literal. Returns 0 when connected at once, or
 * `-EINPROGRESS` when pending: wait for WRITE, then read `getsockopt(fd, SOL_SOCKET, SO_ERROR)`.
 */
export function connect(fd: number, address: string, port: number): number {
  checkFd(fd);
  checkAddress(address);
  checkPort(port);
  return native.connect(fd, address, port);
}

/**
 * Connects a unix socket to `path`: 0, `-EINPROGRESS`, or `-EAGAIN` when the listener's backlog is
 * full. A missing listener throws (ECONNREFUSED / ENOENT).
 */
export function connectUnix(fd: number, path: string): number {
  checkFd(fd);
  checkPath(path);
  return native.connectUnix(fd, path);
}

/**
 * Reads up to `length` bytes into `buf[offset..]`. Returns the byte count (0 = end of file) or
 * `-EAGAIN`. EINTR is retried inside; other failures (ECONNRESET, EBADF, …) throw.
 */
export const read: (fd: number, buf: Uint8Array, offset: number, length: number) => number =
  native.read;

/**
 * Writes `buf[offset..offset+length)`. Returns the byte count or `-EAGAIN`. Sockets use
 * send(MSG_NOSIGNAL) so that EPIPE never raises SIGPIPE; pipes use write(2). EPIPE/ECONNRESET throw.
 */
export const write: (fd: number, buf: Uint8Array, offset: number, length: number) => number =
  native.write;

/**
 * Gathers `buffers[0..count)` into one writev (sendmsg with MSG_NOSIGNAL on sockets). `count`
 * defaults to `buffers.length` and is capped at IOV_MAX. Returns bytes written or `-EAGAIN`.
 */
export const writev: (fd: number, buffers: ReadonlyArray<Uint8Array>, count?: number) => number =
  native.writev;

/** Shuts down the read side, write side or both: `constants.SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`. */
export function shutdown(fd: number, how: number): void {
  checkFd(fd);
  if (how !== C.SHUT_RD && how !== C.SHUT_WR && how !== C.SHUT_RDWR) {
    throw new RangeError(`how must be SHUT_RD, SHUT_WR or SHUT_RDWR, got ${String(how)}`);
  }
  native.shutdown(fd, how);
}

/** Closes a descriptor (EINTR counts as closed, as on Linux it is). EBADF throws. */
export const close: (fd: number) => void = native.close;

/** Sets an integer socket option (`constants.SOL_SOCKET`, `constants.SO_REUSEADDR`, 1). */
export function setsockopt(fd: number, level: number, option: number, value: number): void {
  checkFd(fd);
  checkInt("level", level);
  checkInt("option", option);
  checkInt("value", value);
  native.setsockopt(fd, level, option, value);
}

/** Reads an integer socket option; SO_ERROR yields a positive errno (0 = no error). */
export function getsockopt(fd: number, level: number, option: number): number {
  checkFd(fd);
  checkInt("level", level);
  checkInt("option", option);
  return native.getsockopt(fd, level, option);
}

/** The local address of a socket. */
export function getsockname(fd: number): SocketAddress {
  checkFd(fd);
  return native.getsockname(fd);
}

/** The peer address of a connected socket (ENOTCONN throws). */
export function getpeername(fd: number): SocketAddress {
  checkFd(fd);
  return native.getpeername(fd);
}

/** A non-blocking, close-on-exec pipe. */
export function pipe(): [readFd: number, writeFd: number] {
  return native.pipe();
}

/** A connected pair of non-blocking, close-on-exec AF_UNIX sockets. */
export function socketpair(type: "stream" | "dgram" = "stream"): [number, number] {
  return native.socketpair(sockType(type));
}

/** Sets or clears O_NONBLOCK. */
export function setNonBlocking(fd: number, on: boolean): void {
  checkFd(fd);
  if (typeof on !== "boolean") throw new TypeError("on must be a boolean");
  native.setNonBlocking(fd, on);
}

/** Sets or clears FD_CLOEXEC. */
export function setCloseOnExec(fd: number, on: boolean): void {
  checkFd(fd);
  if (typeof on !== "boolean") throw new TypeError("on must be a boolean");
  native.setCloseOnExec(fd, on);
}

/** Benchmark only: a call into C++ that does nothing, to measure the crossing cost. */
export const noop: () => void = native.noop;
