// Constant-time comparison of secrets (signatures, XSRF tokens).

import { timingSafeEqual } from "node:crypto";

/** True when the two byte strings are equal, compared in time independent of their content. */
export function constantTimeEqualBuffers(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Constant-time comparison of two latin1/ASCII strings (false when the lengths differ). */
export function constantTimeEqual(a: string, b: string): boolean {
  return constantTimeEqualBuffers(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"));
}
