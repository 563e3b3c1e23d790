// Serialization of RFC 6455 frames: header, optional masking key and payload in one buffer.

import { applyMask, writeMaskKey } from "./masking.js";

/** Size of a frame header for a payload of `length` bytes (with the 4-byte key when masked). */
export function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Write a frame header at `buf[at..]` and return its size. With `masked`, a fresh random key is
 * written last; the caller masks the payload with it.
 */
export function writeHeader(
  buf: Buffer,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  length: number,
  masked: boolean,
  at = 0,
): number {
  buf[at] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let off: number;
  if (length < 126) {
    buf[at + 1] = maskBit | length;
    off = 2;
  } else if (length < 0x10000) {
    buf[at + 1] = maskBit | 126;
    buf[at + 2] = length >>> 8;
    buf[at + 3] = length & 0xff;
    off = 4;
  } else {
    buf[at + 1] = maskBit | 127;
    buf.writeUInt32BE(Math.floor(length / 0x100000000), at + 2);
    buf.writeUInt32BE(length >>> 0, at + 6);
    off = 10;
  }
  if (masked) {
    writeMaskKey(buf, at + off);
    off += 4;
  }
  return off;
}

/**
 * Write one complete frame (header + payload, masked with a fresh key when `masked`) at
 * `buf[at..]`, which must have room for `headerSize(length, masked) + length` bytes; `length` is
 * the payload's size in bytes (its UTF-8 size for a string). Returns where the frame ends.
 */
export function writeFrame(
  buf: Buffer,
  at: number,
  opcode: number,
  payload: Uint8Array | string,
  length: number,
  fin: boolean,
  rsv1: boolean,
  masked: boolean,
): number {
  const start = at + writeHeader(buf, opcode, fin, rsv1, length, masked, at);
  if (typeof payload === "string") buf.write(payload, start, length, "utf8");
  else buf.set(payload, start);
  if (masked) applyMask(buf, start, start + length, buf, start - 4, 0);
  return start + length;
}

/** Most UTF-16 code units of a string that {@link writeTextFrame} takes (its bytes < 64 KiB). */
export const TEXT_FRAME_MAX_UNITS = 0x5555;

/**
 * Write one complete frame whose payload is the UTF-8 of `text` at `buf[at..]` without measuring
 * the string first: `buf` must have room for `4 + (masked ? 4 : 0) + 3 * text.length` bytes and
 * `text.length` be at most {@link TEXT_FRAME_MAX_UNITS} (UTF-8 takes at most 3 bytes per code
 * unit, so the length field's size is known from `text.length` except below 126 units, where a
 * payload of 126 bytes or more moves 2 bytes up). Returns where the frame ends.
 */
export function writeTextFrame(
  buf: Buffer,
  at: number,
  opcode: number,
  text: string,
  fin: boolean,
  rsv1: boolean,
  masked: boolean,
): number {
  const key = masked ? 4 : 0;
  let start = at + (text.length < 126 ? 2 : 4) + key;
  const length = buf.write(text, start, "utf8");
  if (length >= 126 && text.length < 126) {
    buf.copyWithin(start + 2, start, start + length);
    start += 2;
  }
  writeHeader(buf, opcode, fin, rsv1, length, masked, at);
  if (masked) applyMask(buf, start, start + length, buf, start - 4, 0);
  return start + length;
}

/**
 * One complete frame (header + payload) in a single new Buffer; a string payload is encoded as
 * UTF-8 straight into it. With `masked` (client side) the payload is masked with a fresh key.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array | string,
  fin: boolean,
  rsv1: boolean,
  masked: boolean,
): Buffer {
  // Written out rather than through writeFrame: measured, the shared call slowed the copy of
  // 64 KiB payloads by 10-20 % on the echo bench.
  const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  const hsize = headerSize(length, masked);
  const frame = Buffer.allocUnsafe(hsize + length);
  writeHeader(frame, opcode, fin, rsv1, length, masked);
  if (typeof payload === "string") frame.write(payload, hsize, "utf8");
  else frame.set(payload, hsize);
  if (masked) applyMask(frame, hsize, hsize + length, frame, hsize - 4, 0);
  return frame;
}

/** Only the header of an unmasked frame, for payloads sent by reference behind it. */
export function encodeHeader(opcode: number, fin: boolean, rsv1: boolean, length: number): Buffer {
  const header = Buffer.allocUnsafe(headerSize(length, false));
  writeHeader(header, opcode, fin, rsv1, length, false);
  return header;
}
