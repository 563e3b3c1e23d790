// Streams a TCPServer hands out: IOStream/SSLIOStream that report their close to the server tracking them.

import { IOStream, type IOStreamOptions, SSLIOStream, type TlsStartOptions } from "@t/iostream";

/** Who is told when a tracked stream closes. */
export interface StreamTracker {
  streamClosed(stream: IOStream | SSLIOStream): void;
}

/** An accepted plain connection; tells its server when it closes (by either side). */
export class ServerIOStream extends IOStream {
  private readonly tracker: StreamTracker;

  constructor(fd: number, options: IOStreamOptions, tracker: StreamTracker) {
    super(fd, options);
    this.tracker = tracker;
  }

  override close(error?: Error): void {
    if (this.closed()) return;
    super.close(error);
    this.tracker.streamClosed(this);
  }

  override startTls(options: TlsStartOptions): Promise<SSLIOStream> {
    const tlsStream = super.startTls(options);
    // The fd moved (synchronously) to a stream this server does not see; stop counting this one.
    if (this.closed()) this.tracker.streamClosed(this);
    return tlsStream;
  }
}

/** An accepted TLS connection; tells its server when it closes. */
export class ServerSSLIOStream extends SSLIOStream {
  private readonly tracker: StreamTracker;

  constructor(transport: IOStream, options: TlsStartOptions, tracker: StreamTracker) {
    super(transport, options);
    this.tracker = tracker;
  }

  override close(error?: Error): void {
    if (this.closed()) return;
    super.close(error);
    this.tracker.streamClosed(this);
  }
}
