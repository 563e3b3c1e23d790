// validate.ts: argument checks shared by the TypeScript face (TypeError for type, RangeError for range).

/** Throws unless `fd` is an integer in 0..2^31-1. */
export function checkFd(fd: unknown): asserts fd is number {
  if (typeof fd !== "number" || !Number.isInteger(fd)) {
    throw new TypeError(`fd must be an integer, got ${String(fd)}`);
  }
  if (fd < 0 || fd > 0x7fffffff) {
    throw new RangeError(`fd must be a non-negative descriptor number, got ${fd}`);
  }
}

/** Throws unless `v` is an integer (any range the kernel may judge). */
export function checkInt(name: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${name} must be an integer, got ${String(v)}`);
  }
}
