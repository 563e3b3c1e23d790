// The one already-resolved Promise that response methods return when nothing is left to wait for.

/**
 * Shared by every module of this package, so that "nothing to wait for" is recognised by
 * identity (no `.catch` — hence no Promise and no microtask — per response).
 */
export const RESOLVED: Promise<void> = Promise.resolve();
