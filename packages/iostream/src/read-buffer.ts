// The stream's read buffer: one growable Buffer with start/end offsets and resumable searches.

const EMPTY = Buffer.alloc(0);

/**
 * A single growable byte buffer holding the unread bytes `[start, end)`.
 *
 * Slices handed to callers are views (`subarray`), never copies; once a view was handed out the
 * bytes before `end` are never written again (`frozen`): new space comes from a fresh buffer
 * into which only the live bytes are copied, so big transfers are never copied quadratically.
 */
export class ReadBuffer {
  /** Backing storage; bytes `[start, end)` are unread. */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** True when a view into `buf` was handed out, so its bytes must not be overwritten. */
  private frozen = false;
  /** Where the last failed delimiter search stopped (absolute offset into buf), or -1. */
  private scanFrom = -1;
  /** Size of the next fresh allocation; doubles while reads fill all space, up to maxChunk. */
  private nextSize: number;

  constructor(
    private readonly minChunk: number,
    private readonly maxChunk: number,
  ) {
    this.nextSize = minChunk;
  }

  /** Number of unread bytes. */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * Make at least `minChunk` bytes (or `want`, if larger and not above maxChunk) writable after
   * `end` and return how many bytes may be read into `buf` at `end`.
   */
  reserve(): number {
    const free = this.buf.length - this.end;
    if (free >= this.minChunk) return Math.min(free, this.maxChunk);
    const live = this.end - this.start;
    if (live === 0 && !this.frozen && this.buf.length >= this.nextSize) {
      this.start = this.end = 0;
      this.scanFrom = -1;
      return Math.min(this.buf.length, this.maxChunk);
    }
    if (!this.frozen && this.start > 0 && this.buf.length - live >= this.minChunk) {
      // Compact in place: live bytes move to the front.
      this.buf.copyWithin(0, this.start, this.end);
      if (this.scanFrom >= 0) this.scanFrom -= this.start;
      this.end = live;
      this.start = 0;
      return Math.min(this.buf.length - live, this.maxChunk);
    }
    const size = Math.max(this.nextSize, live + this.minChunk, live * 2);
    const fresh = Buffer.allocUnsafeSlow(size);
    if (live > 0) this.buf.copy(fresh, 0, this.start, this.end);
    if (this.scanFrom >= 0) this.scanFrom -= this.start;
    this.buf = fresh;
    this.start = 0;
    this.end = live;
    this.frozen = false;
    return Math.min(size - live, this.maxChunk);
  }

  /** Record that `n` bytes were written at `end` (n of `asked` requested). */
  commit(n: number, asked: number): void {
    this.end += n;
    if (n === asked && this.nextSize < this.maxChunk) this.nextSize *= 2;
  }

  /** Append a copy of `src` (used by streams whose data is pushed to them, e.g. TLS). */
  append(src: Uint8Array): void {
    let off = 0;
    while (off < src.length) {
      const room = this.reserve();
      const n = Math.min(room, src.length - off);
      this.buf.set(src.subarray(off, off + n), this.end);
      this.commit(n, room);
      off += n;
    }
  }

  /** Append a copy of `src[start, end)` (no view object is made). */
  appendRange(src: Buffer, start: number, end: number): void {
    let off = start;
    while (off < end) {
      const room = this.reserve();
      const n = Math.min(room, end - off);
      src.copy(this.buf, this.end, off, off + n);
      this.commit(n, room);
      off += n;
    }
  }

  /** Remove and return the first `n` unread bytes as a view the caller owns. */
  take(n: number): Buffer {
    const out = this.buf.subarray(this.start, this.start + n);
    this.start += n;
    if (n > 0) this.frozen = true;
    this.afterConsume();
    return out;
  }

  /** Drop the first `n` unread bytes (their storage may be reused: nothing was handed out). */
  skip(n: number): void {
    this.start += n;
    this.afterConsume();
  }

  /** Copy up to `dst.length - dstOffset` unread bytes into dst; returns the count copied. */
  copyOut(dst: Uint8Array, dstOffset: number): number {
    const n = Math.min(this.end - this.start, dst.length - dstOffset);
    dst.set(this.buf.subarray(this.start, this.start + n), dstOffset);
    this.start += n;
    this.afterConsume();
    return n;
  }

  /**
   * Offset (relative to start) of the first byte after `delim`, searching at most the first
   * `limit` unread bytes; -1 when not found. A failed search remembers where it stopped, so the
   * next one resumes there instead of rescanning.
   */
  findDelimiter(delim: Buffer, limit: number): number {
    const dlen = delim.length;
    let from = this.start;
    if (this.scanFrom > from) from = this.scanFrom;
    const stop = Math.min(this.end, this.start + limit);
    if (stop - from < dlen) return -1;
    const buf = this.buf;
    let idx: number;
    if (buf.length - stop > 4096) {
      idx = buf.subarray(0, stop).indexOf(delim, from);
    } else {
      idx = buf.indexOf(delim, from);
      if (idx !== -1 && idx + dlen > stop) idx = -1;
    }
    if (idx === -1) {
      // Resume dlen-1 bytes back: a delimiter may straddle the end of what we have.
      this.scanFrom = stop - dlen + 1;
      return -1;
    }
    this.scanFrom = -1;
    return idx + dlen - this.start;
  }

  /** Forget any remembered search position (a new read with a different delimiter starts). */
  resetScan(): void {
    this.scanFrom = -1;
  }

  /** Decode the first `limit` unread bytes as latin1 (one char per byte), for regex reads. */
  latin1(limit: number): string {
    return this.buf.toString("latin1", this.start, Math.min(this.end, this.start + limit));
  }

  /** Drop the storage (on close). */
  release(): void {
    this.buf = EMPTY;
    this.start = this.end = 0;
    this.frozen = false;
    this.scanFrom = -1;
  }

  private afterConsume(): void {
    this.scanFrom = -1;
    if (this.start === this.end && !this.frozen) this.start = this.end = 0;
  }
}
