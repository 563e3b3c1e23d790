// Serialization of RFC 6455 frames: header, optional masking key and payload in one buffer.

import { applyMask, writeMaskKey } from "./masking.js";

/** Largest payload that `encodeFrame` copies behind its header; larger ones go out separately. */
export const COPY_LIMIT = 64 * 1024;

/** Size of a frame header for a payload of `length` bytes (with the 4-byte key when masked). */
export function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Write a frame header at `buf[0..]` and return its size. With `masked`, a fresh random key is
 * written last; the caller masks the payload with it.
 */
export function writeHeader(
  buf: Buffer,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  length: number,
  masked: boolean,
): number {
  buf[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let off: number;
  if (length < 126) {
    buf[1] = maskBit | length;
    off = 2;
  } else if (length < 0x10000) {
    buf[1] = maskBit | 126;
    buf[2] = length >>> 8;
    buf[3] = length & 0xff;
    off = 4;
  } else {
    buf[1] = maskBit | 127;
    buf.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    buf.writeUInt32BE(length >>> 0, 6);
    off = 10;
  }
  if (masked) {
    writeMaskKey(buf, off);
    off += 4;
  }
  return off;
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
  const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  const hsize = headerSize(length, masked);
  const frame = Buffer.allocUnsafe(hsize + length);
  writeHeader(frame, opcode, fin, rsv1, length, masked);
  if (typeof payload === "string") frame.write(payload, hsize, "utf8");
  else frame.set(payload, hsize);
  if (masked) applyMask(frame, hsize, hsize + length, frame, hsize - 4, 0);
  return frame;
}

/** Only the header of an unmasked frame, for payloads sent without copying (see COPY_LIMIT). */
export function encodeHeader(opcode: number, fin: boolean, rsv1: boolean, length: number): Buffer {
  const header = Buffer.allocUnsafe(headerSize(length, false));
  writeHeader(header, opcode, fin, rsv1, length, false);
  return header;
}
