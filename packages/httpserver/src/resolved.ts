// The settled Promises that response methods return without waiting: the shared resolved one, and handled rejections.

/**
 * Shared by every module of this package, so that "nothing to wait for" is recognised by
 * identity (no `.catch` — hence no Promise and no microtask — per response).
 */
export const RESOLVED: Promise<void> = Promise.resolve();

function noop(): void {}

/**
 * A Promise rejected with `err` and already marked handled: @t/iostream's write-promise policy
 * for the response methods (`writeHeaders`, `write` on a closed connection), so that a caller
 * who does not await it never meets an unhandled rejection, while one who does sees the error.
 */
export function rejectedHandled(err: Error): Promise<void> {
  const p = Promise.reject(err);
  p.catch(noop);
  return p;
}
