// XOR masking of frame payloads (RFC 6455 §5.3), a 32-bit word at a time where aligned.

import { randomFillSync } from "node:crypto";
import { endianness } from "node:os";

const LITTLE_ENDIAN = endianness() === "LE";
/** Below this many bytes the byte loop beats creating a word view. */
const WORD_THRESHOLD = 32;

/**
 * XOR `buf[start, end)` in place with the 4-byte key at `key[keyOffset, keyOffset + 4)`.
 * `phase` is the key index (0..3) that applies to `buf[start]`.
 */
export function applyMask(
  buf: Buffer,
  start: number,
  end: number,
  key: Uint8Array,
  keyOffset: number,
  phase: number,
): void {
  const k0 = key[keyOffset];
  const k1 = key[keyOffset + 1];
  const k2 = key[keyOffset + 2];
  const k3 = key[keyOffset + 3];
  let i = start;
  let k = phase & 3;
  if (end - start >= WORD_THRESHOLD) {
    // Head bytes until the address is 4-aligned, so an Int32Array view is allowed.
    while (((buf.byteOffset + i) & 3) !== 0) {
      buf[i] ^= k === 0 ? k0 : k === 1 ? k1 : k === 2 ? k2 : k3;
      k = (k + 1) & 3;
      i++;
    }
    const words = (end - i) >>> 2;
    const b0 = k === 0 ? k0 : k === 1 ? k1 : k === 2 ? k2 : k3;
    const b1 = k === 0 ? k1 : k === 1 ? k2 : k === 2 ? k3 : k0;
    const b2 = k === 0 ? k2 : k === 1 ? k3 : k === 2 ? k0 : k1;
    const b3 = k === 0 ? k3 : k === 1 ? k0 : k === 2 ? k1 : k2;
    const word = LITTLE_ENDIAN
      ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)
      : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
    const view = new Int32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] ^= word;
    i += words << 2;
  }
  while (i < end) {
    buf[i] ^= k === 0 ? k0 : k === 1 ? k1 : k === 2 ? k2 : k3;
    k = (k + 1) & 3;
    i++;
  }
}

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let poolOffset = POOL_SIZE;

/**
 * Write a fresh random 4-byte masking key at `buf[offset, offset + 4)`. Keys come from a pool
 * refilled by the CSPRNG 2048 keys at a time (RFC 6455 §5.3 asks for unpredictable keys).
 */
export function writeMaskKey(buf: Uint8Array, offset: number): void {
  if (poolOffset === POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  buf[offset] = pool[poolOffset];
  buf[offset + 1] = pool[poolOffset + 1];
  buf[offset + 2] = pool[poolOffset + 2];
  buf[offset + 3] = pool[poolOffset + 3];
  poolOffset += 4;
}
