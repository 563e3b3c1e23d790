// Structure-blind mutations of byte inputs, expressed as plain data so that fast-check can shrink them.

/**
 * Bytes that parsers treat specially: line breaks, NUL, the first non-ASCII byte, separators,
 * quotes, escapes, digits and hex letters.
 */
export const INTERESTING_BYTES = [
  0x0d, 0x0a, 0x00, 0x80, 0xff, 0x20, 0x09, 0x7f, 0x3a, 0x3b, 0x3d, 0x22, 0x5c, 0x2c, 0x25, 0x2d,
  0x2b, 0x30, 0x31, 0x39, 0x61, 0x66, 0x46, 0x7e, 0xc0, 0xed, 0xf4,
];

/** Numbers that sit on limits: replace a run of digits with one of these. */
const INTERESTING_NUMBERS = [
  "0",
  "1",
  "00",
  "-1",
  "0x10",
  "125",
  "126",
  "65535",
  "65536",
  "2147483648",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "999999999999999",
  "1000000000000000",
  "fffffffffffff",
  "10000000000000",
  "0000000000000000001",
  "1e3",
];

/** 16/32-bit big-endian values on binary length boundaries. */
const INTERESTING_WORDS = [
  0, 1, 0x7d, 0x7e, 0x7f, 0x80, 0xff, 0x100, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
  0xffffffff,
];

/** How many mutation kinds `applyMutation` knows (kinds are taken modulo this). */
export const MUTATION_KINDS = 16;

/**
 * One mutation as data: `kind` selects the operation, `a`, `b`, `c` are unsigned numbers it
 * interprets modulo the sizes at hand (positions, lengths, table indexes).
 * @typedef {{ kind: number, a: number, b: number, c: number }} Mutation
 */

/**
 * What mutations may draw on: a dictionary of tokens for the format, other inputs to splice
 * with, and the longest input to produce.
 * @typedef {{ dictionary: Buffer[], corpus: Buffer[], maxLength: number }} MutationContext
 */

function insert(buf, at, bytes) {
  return Buffer.concat([buf.subarray(0, at), bytes, buf.subarray(at)]);
}

function overwrite(buf, at, bytes) {
  const out = Buffer.from(buf);
  const n = Math.min(bytes.length, out.length - at);
  if (n > 0) bytes.copy(out, at, 0, n);
  return n < bytes.length ? Buffer.concat([out, bytes.subarray(Math.max(n, 0))]) : out;
}

function isDigitLike(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Apply one mutation to `buf` (never modified) and return the result, at most
 * `ctx.maxLength` bytes long.
 * @param {Buffer} buf
 * @param {Mutation} m
 * @param {MutationContext} ctx
 * @returns {Buffer}
 */
export function applyMutation(buf, m, ctx) {
  const len = buf.length;
  const pos = len === 0 ? 0 : m.a % len;
  const posIncl = m.a % (len + 1);
  let out;
  switch (m.kind % MUTATION_KINDS) {
    case 0: // flip one bit
      if (len === 0) return buf;
      out = Buffer.from(buf);
      out[pos] ^= 1 << (m.b % 8);
      break;
    case 1: // set a byte to any value
      if (len === 0) return buf;
      out = Buffer.from(buf);
      out[pos] = m.b & 0xff;
      break;
    case 2: // set a byte to an interesting one
      if (len === 0) return buf;
      out = Buffer.from(buf);
      out[pos] = INTERESTING_BYTES[m.b % INTERESTING_BYTES.length];
      break;
    case 3: {
      // insert 1–4 copies of an interesting byte (CR, LF, NUL, 0x80, …)
      const n = 1 + (m.c % 4);
      out = insert(
        buf,
        posIncl,
        Buffer.alloc(n, INTERESTING_BYTES[m.b % INTERESTING_BYTES.length]),
      );
      break;
    }
    case 4: {
      // delete a range
      if (len === 0) return buf;
      const n = 1 + (m.b % Math.min(len - pos, 1 + (m.c % 64)));
      out = Buffer.concat([buf.subarray(0, pos), buf.subarray(pos + n)]);
      break;
    }
    case 5: {
      // duplicate a range somewhere else
      if (len === 0) return buf;
      const n = 1 + (m.b % Math.min(len - pos, 256));
      out = insert(buf, m.c % (len + 1), Buffer.from(buf.subarray(pos, pos + n)));
      break;
    }
    case 6: // insert a dictionary token
      if (ctx.dictionary.length === 0) return buf;
      out = insert(buf, posIncl, ctx.dictionary[m.b % ctx.dictionary.length]);
      break;
    case 7: // overwrite with a dictionary token
      if (ctx.dictionary.length === 0) return buf;
      out = overwrite(buf, pos, ctx.dictionary[m.b % ctx.dictionary.length]);
      break;
    case 8: {
      // splice: our prefix, another input's suffix
      if (ctx.corpus.length === 0) return buf;
      const other = ctx.corpus[m.b % ctx.corpus.length];
      const from = other.length === 0 ? 0 : m.c % other.length;
      out = Buffer.concat([buf.subarray(0, posIncl), other.subarray(from)]);
      break;
    }
    case 9: // truncate
      out = buf.subarray(0, posIncl);
      break;
    case 10: {
      // replace the run of digits at or after `pos` with an interesting number
      let s = pos;
      while (s < len && !isDigitLike(buf[s])) s++;
      if (s === len) s = pos;
      let e = s;
      while (e < len && isDigitLike(buf[e])) e++;
      const num = Buffer.from(INTERESTING_NUMBERS[m.b % INTERESTING_NUMBERS.length], "latin1");
      out = Buffer.concat([buf.subarray(0, s), num, buf.subarray(e)]);
      break;
    }
    case 11: // add or subtract a small amount
      if (len === 0) return buf;
      out = Buffer.from(buf);
      out[pos] = (out[pos] + (m.b % 2 === 0 ? 1 : -1) * (1 + (m.c % 35))) & 0xff;
      break;
    case 12: {
      // swap two ranges of the same length
      if (len < 2) return buf;
      const q = m.b % len;
      const n = 1 + (m.c % Math.max(1, Math.min(16, len - Math.max(pos, q))));
      out = Buffer.from(buf);
      const x = Buffer.from(out.subarray(pos, pos + n));
      out.copy(out, pos, q, q + n);
      x.copy(out, q);
      break;
    }
    case 13: {
      // insert a block of random bytes (from the mutation's own numbers)
      const n = 1 + (m.c % 16);
      const block = Buffer.alloc(n);
      let x = m.b | 1;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        block[i] = x & 0xff;
      }
      out = insert(buf, posIncl, block);
      break;
    }
    case 14: {
      // write a 16- or 32-bit big-endian boundary value
      const w = INTERESTING_WORDS[m.b % INTERESTING_WORDS.length];
      const bytes = Buffer.alloc(m.c % 2 === 0 ? 2 : 4);
      if (bytes.length === 2) bytes.writeUInt16BE(w & 0xffff);
      else bytes.writeUInt32BE(w >>> 0);
      out = overwrite(buf, pos, bytes);
      break;
    }
    default: {
      // repeat a range many times (long tokens, many separators)
      if (len === 0) return buf;
      const n = 1 + (m.b % Math.min(len - pos, 8));
      const times = 2 + (m.c % 200);
      const unit = buf.subarray(pos, pos + n);
      const parts = [];
      for (let i = 0; i < times; i++) parts.push(unit);
      out = insert(buf, pos, Buffer.concat(parts));
      break;
    }
  }
  return out.length > ctx.maxLength ? out.subarray(0, ctx.maxLength) : out;
}

/** A random mutation drawn from `rng` (an `Rng`). */
export function randomMutation(rng) {
  return { kind: rng.below(MUTATION_KINDS), a: rng.next(), b: rng.next(), c: rng.next() };
}

/**
 * Stack 1–`maxStack` random mutations on `buf` (AFL's "havoc").
 * @param {Buffer} buf
 * @param {import("./rng.mjs").Rng} rng
 * @param {MutationContext} ctx
 * @param {number} [maxStack]
 */
export function havoc(buf, rng, ctx, maxStack = 8) {
  let out = buf;
  const n = 1 + rng.below(maxStack);
  for (let i = 0; i < n; i++) out = applyMutation(out, randomMutation(rng), ctx);
  return out;
}
