// Fast latin1 decoding of a Buffer range (Node's internal latin1Slice when present).

type SliceFn = (this: Buffer, start: number, end: number) => string;

const native = (Buffer.prototype as unknown as { latin1Slice?: SliceFn }).latin1Slice;

/** A Buffer with Node's internal `latin1Slice` (present on every supported Node). */
export interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** `buf.toString("latin1", start, end)` without its argument normalisation. */
export function latin1(buf: Buffer, start: number, end: number): string {
  return native === undefined
    ? buf.toString("latin1", start, end)
    : (buf as Latin1Buffer).latin1Slice(start, end);
}

type WriteFn = (this: Buffer, s: string, offset: number, length: number) => number;
const nativeWrite = (Buffer.prototype as unknown as { latin1Write?: WriteFn }).latin1Write;

/** Write `s` as latin1 into `buf` at `offset`; returns the bytes written. */
export const latin1Write: (buf: Buffer, s: string, offset: number) => number =
  typeof nativeWrite === "function"
    ? (buf, s, offset) => nativeWrite.call(buf, s, offset, s.length)
    : (buf, s, offset) => buf.write(s, offset, s.length, "latin1");
