// BoundedLineWriter: log lines to a stream (stderr) with a bound on what waits for a slow reader.

import type { Writable } from "node:stream";

/** Default bound of the log bytes waiting for a slow reader: 1 MiB (then lines are dropped). */
export const DEFAULT_MAX_QUEUED_LOG_BYTES = 1024 * 1024;

/**
 * Appends lines to a writable stream (process.stderr by default) but never lets more than
 * `maxQueuedBytes` wait in it: when the reader of a stderr pipe falls behind, Node queues every
 * write in memory, so a busy server's access log would grow without limit. Past the bound lines
 * are dropped and counted, and once the stream drains a `[W log] N log lines dropped` line says
 * how many. Ordering with other writes to the same stream (console.error) is kept.
 */
export class BoundedLineWriter {
  private dropped = 0;
  private waiting = false;
  private readonly onDrain: () => void;

  constructor(
    private readonly stream: Writable = process.stderr,
    private readonly maxQueuedBytes = DEFAULT_MAX_QUEUED_LOG_BYTES,
  ) {
    if (stream === null || typeof stream !== "object" || typeof stream.write !== "function") {
      throw new TypeError("stream must be a writable stream");
    }
    if (!Number.isInteger(maxQueuedBytes) || maxQueuedBytes < 1) {
      throw new RangeError(
        `maxQueuedBytes must be an integer >= 1 (bytes), got ${String(maxQueuedBytes)}`,
      );
    }
    this.onDrain = () => {
      this.waiting = false;
      if (this.dropped === 0) return;
      const n = this.dropped;
      this.dropped = 0;
      this.stream.write(
        `[W log] ${n} log lines dropped: the log's reader was slower than the logging\n`,
      );
    };
  }

  /** Lines dropped since the last report. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** Write `line` and a newline, or drop it while `maxQueuedBytes` already wait. */
  write(line: string): void {
    const stream = this.stream;
    if (stream.writableLength > this.maxQueuedBytes) {
      this.dropped++;
      if (!this.waiting) {
        this.waiting = true;
        stream.once("drain", this.onDrain);
      }
      return;
    }
    stream.write(`${line}\n`);
  }
}
