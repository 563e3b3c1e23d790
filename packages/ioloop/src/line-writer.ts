// BoundedLineWriter: log lines to a stream (stderr) with a bound on what waits for a slow reader.

import type { Writable } from "node:stream";

/** Default bound of the log bytes waiting for a slow reader: 1 MiB (then lines are dropped). */
export const DEFAULT_MAX_QUEUED_LOG_BYTES = 1024 * 1024;

/** While the stream is backed up, lines are joined into writes of about this many bytes. */
const BATCH_BYTES = 64 * 1024;

/**
 * Appends lines to a writable stream (process.stderr by default) but never lets more than
 * `maxQueuedBytes` wait in it: when the reader of a stderr pipe falls behind, Node queues every
 * write in memory, so a busy server's access log would grow without limit. Past the bound lines
 * are dropped and counted, and once the stream drains a `[W log] N log lines dropped` line says
 * how many. While the stream is backed up, lines are joined into writes of up to 64 KiB (one
 * queued write per line would cost Node about 400 bytes each on top of the text); they go out in
 * order, but a line another writer (console.error) writes meanwhile may come before them.
 */
export class BoundedLineWriter {
  private dropped = 0;
  private waiting = false;
  /** Lines waiting to be joined into one write (while the stream is backed up). */
  private batch = "";
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
      this.flushBatch();
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
    const queued = stream.writableLength;
    if (queued + this.batch.length > this.maxQueuedBytes) {
      this.dropped++;
      this.waitForDrain();
      return;
    }
    if (queued === 0 && this.batch === "") {
      stream.write(`${line}\n`);
      return;
    }
    // Backed up: join, and write when the batch is full or the stream drains.
    this.batch += `${line}\n`;
    if (this.batch.length >= BATCH_BYTES) this.flushBatch();
    else this.waitForDrain();
  }

  /** Flush the batch (and report drops) once the stream drained — or, if it will not emit
   * "drain" (below its high-water mark), on the next turn of the event loop. */
  private waitForDrain(): void {
    if (this.waiting) return;
    this.waiting = true;
    if (this.stream.writableNeedDrain) this.stream.once("drain", this.onDrain);
    else setImmediate(this.onDrain);
  }

  private flushBatch(): void {
    if (this.batch === "") return;
    const text = this.batch;
    this.batch = "";
    this.stream.write(text);
  }
}
