// FdIOStream: a BaseIOStream whose bytes move through read(2)/write(2)/writev(2) on one fd.

import { close, read, write, writev } from "@t/poller-native";
import { BaseIOStream } from "./base-iostream.js";
import type { IOStreamOptions } from "./options.js";

/**
 * A stream over a raw non-blocking descriptor (socket or pipe). The stream owns the fd and
 * closes it on `close()`.
 */
export abstract class FdIOStream extends BaseIOStream {
  /** The owned descriptor. */
  protected readonly fd: number;

  constructor(fd: number, options?: IOStreamOptions) {
    if (!Number.isInteger(fd) || fd < 0) {
      throw new TypeError(`expected a non-negative integer file descriptor, got ${fd}`);
    }
    super(options);
    this.fd = fd;
  }

  /** The descriptor. */
  fileno(): number {
    return this.fd;
  }

  /**
   * @internal Give the descriptor up without closing it: the stream leaves the loop and becomes
   * closed (its close hook runs); returns the fd. For the stream core's own hand-overs (a TLS
   * stream letting Node's socket own the descriptor); the caller checks the stream is idle.
   */
  handOverFd(): number {
    return this.detach();
  }

  protected closeFd(): void {
    close(this.fd);
  }

  protected readFromFd(buf: Buffer, offset: number, length: number): number | null {
    const n = read(this.fd, buf, offset, length);
    return n >= 0 ? n : null;
  }

  protected writeToFd(chunks: Uint8Array[], count: number): number | null {
    const n =
      count === 1 ? write(this.fd, chunks[0], 0, chunks[0].length) : writev(this.fd, chunks, count);
    return n >= 0 ? n : null;
  }
}
