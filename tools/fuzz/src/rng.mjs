// A small seeded PRNG and the input-derived splitting every incremental target uses.

/** A seeded 32-bit PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export class Rng {
  /** @param {number} seed any 32-bit integer */
  constructor(seed) {
    this.state = seed >>> 0;
  }

  /** The next unsigned 32-bit value. */
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in `0..n-1` (0 when `n` ≤ 1). */
  below(n) {
    return n <= 1 ? 0 : this.next() % n;
  }

  /** True with probability `p`. */
  chance(p) {
    return this.next() / 0x100000000 < p;
  }

  /** One element of a non-empty array. */
  pick(items) {
    return items[this.below(items.length)];
  }
}

/** FNV-1a of `buf`: a stable 32-bit seed derived from an input. */
export function hashBytes(buf) {
  let h = 0x811c9dc5;
  for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

/**
 * Cut points `0 = c0 < c1 < … < ck = length` splitting `length` bytes into pieces as a peer's
 * writes might arrive. Derived from `seed` only, so a failing input replays exactly: mostly a few
 * random cuts, sometimes one byte at a time, sometimes everything in one piece.
 */
export function cutPoints(length, seed) {
  const rng = new Rng(seed);
  const cuts = [0];
  const mode = rng.below(8);
  if (length === 0) return [0, 0];
  if (mode === 0) {
    cuts.push(length);
  } else if (mode === 1 && length <= 2048) {
    for (let i = 1; i <= length; i++) cuts.push(i);
  } else {
    const n = 1 + rng.below(Math.min(12, length));
    const set = new Set();
    for (let i = 0; i < n; i++) set.add(1 + rng.below(length));
    set.add(length);
    for (const c of [...set].sort((a, b) => a - b)) cuts.push(c);
  }
  return cuts;
}
