// PipeIOStream: a buffered stream over one end of a pipe (Tornado's PipeIOStream).

import { FdIOStream } from "./fd-iostream.js";

/**
 * A stream over a pipe descriptor (or any non-socket fd that supports non-blocking read/write).
 * Make one per end: reading from the read end, writing to the write end.
 *
 * ```ts
 * const [r, w] = pipe();
 * const reader = new PipeIOStream(r), writer = new PipeIOStream(w);
 * ```
 */
export class PipeIOStream extends FdIOStream {}
